# Lists the module-level APIs board/ uses from MicroPython (not from the firmware's own modules),
# for the table in docs/virtual-board.md: `module.attr` for every `import module` + `module.attr`
# and every `from module import attr`, and `module` alone for an import whose attributes are not
# read directly. Run by host CPython (its ast parses the firmware, which is CPython syntax).
# Usage: python3 api_uses.py FILE... ; prints a JSON list.
import ast
import json
import os
import sys

files = sys.argv[1:]
own = {os.path.basename(f)[:-3] for f in files} | {"board_config", "board_secrets"}
uses = set()
for f in files:
    with open(f) as src:
        tree = ast.parse(src.read(), f)
    names = {}  # local name -> module, for `import module [as name]`
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            for a in n.names:
                if a.name.split(".")[0] not in own:
                    names[a.asname or a.name] = a.name
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0 and n.module not in own:
            uses.update(n.module + "." + a.name for a in n.names)
    read = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in names:
            uses.add(names[n.value.id] + "." + n.attr)
            read.add(n.value.id)
    uses.update(m for local, m in names.items() if local not in read)
print(json.dumps(sorted(uses)))
