# Board tags (docs/firmware.md, *Tags*): short labels the console groups, filters and targets
# rollouts by. `tags` in board_config.py is the default list; /tags.json, written by the console's
# `tags` command (mqb_tags_cmd, imported only when one comes), overrides it, so the user's
# board_config.py is never rewritten. Every status carries the current list; invalid tags never
# reach it. Kept small: it stays imported (the status needs it).
import json
import sys
from micropython import const

FILE = "/tags.json"
MAX_TAGS = const(8)
MAX_LEN = const(24)
_cur = None  # the current list, read once
source = "config"  # or "console": where _cur came from


def valid(t):
    """A tag: 1 to 24 characters of A-Z a-z 0-9 - _ . (ASCII only: safe in topics, file names
    and shells)."""
    if not isinstance(t, str) or not 0 < len(t) <= MAX_LEN:
        return False
    for c in t:
        if not ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c in "-_."):
            return False
    return True


def _clean(tags, log=None):
    out = []
    for t in tags if isinstance(tags, (list, tuple)) else ():
        if not valid(t):
            if log:
                log.warning("tag %r ignored: 1-%d characters of A-Z a-z 0-9 - _ .", t, MAX_LEN)
        elif t not in out and len(out) < MAX_TAGS:
            out.append(t)
    return out


def current():
    """The board's tags: /tags.json when the console set them, else the config's."""
    global _cur, source
    if _cur is None:
        try:
            with open(FILE) as f:
                _cur, source = _clean(json.loads(f.read())), "console"
        except (OSError, ValueError):
            import mqb_log

            source = "config"
            _cur = _clean(getattr(sys.modules.get("board_config"), "tags", ()), mqb_log.getLogger("tags"))
    return _cur


def remember(tags, src):
    """What the tags command stored (None: read again, from the file or the config)."""
    global _cur, source
    _cur, source = tags, src
    return current()
