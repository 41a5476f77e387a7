# The `tags` command (docs/protocol.md): reads or edits the board's tags (mqb_tags). A change is
# checked whole before anything is stored, written into /tags.json through a temp file renamed
# over it (a power cut leaves the old list or the new one), and the status goes out again at once.
# The request is JSON data, never code.
import json
import os
import mqb_tags
from mqb_tags import MAX_LEN, MAX_TAGS

_USAGE = 'tags: expected JSON {"set": [...] or null} or {"add": [...], "rm": [...]}'


class _Refused(ValueError):
    pass


def _store(tags):
    if tags is None:  # back to the config's list
        try:
            os.remove(mqb_tags.FILE)
        except OSError:
            pass
        return mqb_tags.remember(None, "config")
    import mqb_fs

    with open(mqb_tags.FILE + ".tmp", "w") as f:
        f.write(json.dumps(tags))
    mqb_fs.replace(mqb_tags.FILE + ".tmp", mqb_tags.FILE)
    return mqb_tags.remember(tags, "console")


def _edit(o):
    """The new list for a request {"set": [...] or null} or {"add": [...], "rm": [...]};
    raises ValueError (nothing stored) on a bad tag or too many."""
    if "set" in o and o["set"] is None:
        return None
    new = []
    rm = o.get("rm", ())
    for t in (o["set"] if "set" in o else mqb_tags.current()) + o.get("add", []):
        if not mqb_tags.valid(t):
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
    await cmds.reply(cid, json.dumps({"tags": mqb_tags.current(), "source": mqb_tags.source}).encode())
    if o:
        import mqb_launch

        await mqb_launch.publish_status(mqb_launch.board)
