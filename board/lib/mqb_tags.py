# Board tags (docs/firmware.md, the `tags` command in docs/protocol.md): short labels the console
# groups, filters and targets rollouts by. `tags` in board_config.py is the default list; the
# console's `tags` command writes an override into /tags.json (a temp file renamed over it: a
# power cut leaves the old list or the new one), so the user's board_config.py is never
# rewritten. The status announces the current list; invalid tags never reach it.
import json
import os
import sys
from micropython import const

_FILE = "/tags.json"
MAX_TAGS = const(8)
MAX_LEN = const(24)
_USAGE = 'tags: expected JSON {"set": [...] or null} or {"add": [...], "rm": [...]}'
_cur = None  # the current list, read once: every status needs it
_source = "config"


class _Refused(ValueError):
    pass


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
    global _cur, _source
    if _cur is None:
        try:
            with open(_FILE) as f:
                _cur, _source = _clean(json.load(f)), "console"
        except (OSError, ValueError):
            import mqb_log

            _source = "config"
            _cur = _clean(getattr(sys.modules.get("board_config"), "tags", ()), mqb_log.getLogger("tags"))
    return _cur


def _store(tags):
    global _cur, _source
    if tags is None:  # back to the config's list
        try:
            os.remove(_FILE)
        except OSError:
            pass
        _cur = None
        return current()
    import mqb_fs

    with open(_FILE + ".tmp", "w") as f:
        json.dump(tags, f)
    mqb_fs.replace(_FILE + ".tmp", _FILE)
    _cur, _source = tags, "console"
    return tags


def _edit(o):
    """The new list for a request {"set": [...] or null} or {"add": [...], "rm": [...]};
    raises ValueError (nothing stored) on a bad tag or too many."""
    if "set" in o and o["set"] is None:
        return None
    new = []
    rm = o.get("rm", ())
    for t in (o["set"] if "set" in o else current()) + o.get("add", []):
        if not valid(t):
            raise _Refused("bad tag %r: 1-%d characters of A-Z a-z 0-9 - _ ." % (t, MAX_LEN))
        if t not in new and t not in rm:
            new.append(t)
    if len(new) > MAX_TAGS:
        raise _Refused("too many tags (%d): at most %d" % (len(new), MAX_TAGS))
    return new


async def tags_cmd(cmds, cid, tail, seq, last, payload):
    """Empty payload: the current tags. Otherwise an edit; the status goes out again at once."""
    try:
        o = json.loads(bytes(payload)) if len(payload) else {}
        if not isinstance(o, dict):
            raise ValueError
        for k, v in o.items():
            if k not in ("set", "add", "rm") or not (isinstance(v, list) or (k == "set" and v is None)):
                raise ValueError
        if o:
            _store(_edit(o))
    except ValueError as e:
        why = e.args[0] if isinstance(e, _Refused) else _USAGE  # not the JSON parser's words
        return await cmds.err(cid, why)
    await cmds.reply(cid, json.dumps({"tags": current(), "source": _source}).encode())
    if o:
        import mqb_launch

        await mqb_launch.publish_status(mqb_launch.board)
