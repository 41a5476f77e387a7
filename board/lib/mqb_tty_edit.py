# What the serial REPL's line editor decides, for the REPL over MQTT (mqb_tty): whether the input
# so far continues (the rules of MicroPython's py/repl.c mp_repl_continue_with_input), where a
# pasted block ends, and tab completion of the last dotted name (as mp_repl_autocomplete does,
# answered as a list instead of printed).
import builtins
import json
import os
import sys
from micropython import const

_MATCHES = const(100)  # completions in one answer
_COMPOUND = ("if", "while", "for", "try", "with", "def", "class", "async")
_CLAUSES = ("else", "elif", "except", "finally")


def _starts_word(s, words):
    for w in words:
        if s.startswith(w) and (len(s) == len(w) or not (s[len(w)].isalpha() or s[len(w)].isdigit() or s[len(w)] == "_")):
            return True
    return False


def _scan(src):
    """(quote, depth): the quote left open (0 none, 1 ', 2 ", 3 ''', 4 \"\"\") and the brackets
    left open outside quotes. Comments are not recognised, as in the serial REPL."""
    q = depth = i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c == "'" or c == '"':
            one = 1 if c == "'" else 2
            if (q == 0 or q == one + 2) and src[i + 1 : i + 3] == c + c:
                i += 2
                q = one + 2 - q
            elif q == 0 or q == one:
                q = one - q
        elif c == "\\" and i + 1 < n and src[i + 1] in "'\"\\":
            if q:
                i += 1
        elif q == 0:
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
        i += 1
    return q, depth


def _open(src):
    q, depth = _scan(src)
    return q >= 3 or (depth > 0 and q == 0) or src.endswith("\\")


def _compound(src):
    return src[:1] == "@" or _starts_word(src, _COMPOUND)


def continues(src):
    """True while `src` (lines joined by \\n) needs more input: an open triple quote or bracket,
    a trailing backslash, or a compound statement whose last line is not empty."""
    return bool(src) and (_open(src) or (_compound(src) and not src.endswith("\n")))


def block_ends(src, line):
    """A paste gives a block followed by more statements without the empty line the serial REPL
    needs: a line back at column 0 that is not an else/elif/except/finally (nor the definition
    under a decorator) ends the block before it."""
    if not line or line[0] in " \t#" or not _compound(src) or _open(src) or _starts_word(line, _CLAUSES):
        return False
    return src[src.rfind("\n") + 1 :][:1] != "@"


def typed_line(src, line):
    """A typed line as the block gets it: the console pre-fills the indent of the next line
    (auto-indent), so Enter on a line holding only that indent is the empty line that ends the
    block, unless a bracket or string is still open (where the spaces are part of the text)."""
    if src is not None and not line.strip() and not _open(src):
        return ""
    return line


def _modules():
    names = set(sys.modules)
    for d in sys.path:
        try:
            for e in os.ilistdir(d or "."):
                n = e[0]
                if e[1] == 0x4000:
                    names.add(n)
                elif n.endswith(".py") or n.endswith(".mpy"):
                    names.add(n[: n.rfind(".")])
        except OSError:
            pass
    return names


def complete(ns, line):
    """The completion answer for `line`: JSON {"prefix": the partial name, "matches": [...]}."""
    i = len(line)
    while i > 0 and (line[i - 1].isalpha() or line[i - 1].isdigit() or line[i - 1] in "_."):
        i -= 1
    parts = line[i:].split(".")
    prefix = parts[-1]
    head = line[:i].split()
    try:
        if len(parts) > 1:
            obj = ns[parts[0]] if parts[0] in ns else getattr(builtins, parts[0])
            for p in parts[1:-1]:
                obj = getattr(obj, p)
            names = dir(obj)
        elif head and head[-1] in ("import", "from") and (head[-1] == "from" or len(head) == 1):
            names = _modules()
        else:
            names = list(ns) + dir(builtins)
    except Exception:  # an unknown name or a failing attribute: nothing to offer
        names = ()
    found = sorted(set(n for n in names if n.startswith(prefix) and (prefix or n[:1] != "_")))
    return json.dumps({"prefix": prefix, "matches": found[:_MATCHES]})
