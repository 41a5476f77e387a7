# File-system commands of protocol v2 (docs/protocol.md): ls, stat, mkdir, rm, rmdir, mv, df.
# Errors are answered on err as "<ERRNO NAME>: <path>". Listings and hashes that may take a while
# run in a task of their own (mqb_reply.later), yielding between files.
import asyncio
import binascii
import hashlib
import json
import os
from micropython import const
from mqb_reply import Out, later

_DIR = const(0x4000)
_HASH_BUF = const(1024)
# Linux numbers: LittleFS (the ESP32 default) and the virtual board raise these for file errors;
# MicroPython's errno module lacks several of them (ENOTEMPTY, ENOSPC, ENOTDIR).
_NAMES = {1: "EPERM", 2: "ENOENT", 5: "EIO", 9: "EBADF", 12: "ENOMEM", 13: "EACCES", 17: "EEXIST",
          19: "ENODEV", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 27: "EFBIG", 28: "ENOSPC", 30: "EROFS",
          36: "ENAMETOOLONG", 39: "ENOTEMPTY"}


class PathError(Exception):
    """A file-system error about a path other than the command's own (mv's destination, ...)."""

    def __init__(self, n, path):
        self.n = n
        self.path = path


def errtext(e, path):
    """The err reply for an OSError about `path`: "ENOENT: /lib/x.py"."""
    if isinstance(e, PathError):
        n, path = e.n, e.path
    else:
        n = e.args[0] if e.args and isinstance(e.args[0], int) else 0
    return "%s: %s" % (_NAMES.get(n, "E%d" % n), path)


def join(d, name):
    return d + name if d.endswith("/") else d + "/" + name


def kind(path):
    """'d', 'f', or None when nothing is there."""
    try:
        return "d" if os.stat(path)[0] & _DIR else "f"
    except OSError:
        return None


def options(payload):
    """The JSON options of a command ({} when empty); raises ValueError on anything else."""
    if not len(payload):
        return {}
    o = json.loads(bytes(payload))
    if not isinstance(o, dict):
        raise ValueError
    return o


async def sha256_file(path, buf=None):
    h = hashlib.sha256()
    buf = buf or bytearray(_HASH_BUF)
    with open(path, "rb") as f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h.update(memoryview(buf)[:n])
            await asyncio.sleep_ms(0)  # a large file must not stall MQTT keepalives and feeds
    return binascii.hexlify(h.digest()).decode()


def _entry(name, st):
    isdir = st[0] & _DIR
    return {"name": name, "type": "d" if isdir else "f", "size": 0 if isdir else st[6], "mtime": st[8]}


async def _ls(cmds, cid, top, recursive, sha):
    out = Out(cmds, cid)
    buf = bytearray(_HASH_BUF) if sha else None
    sep = b"["
    stack = [""]
    while stack:
        rel = stack.pop()
        base = join(top, rel) if rel else top
        for ent in os.ilistdir(base):
            name = rel + "/" + ent[0] if rel else ent[0]
            full = join(base, ent[0])
            try:
                e = _entry(name, os.stat(full))
                if sha and e["type"] == "f":
                    e["sha256"] = await sha256_file(full, buf)
            except OSError:
                continue  # removed while we listed
            await out.write(sep)
            await out.write(json.dumps(e).encode())
            sep = b","
            if recursive and e["type"] == "d":
                stack.append(name)
    await out.write(b"[]" if sep == b"[" else b"]")
    await out.close()


async def _err(cmds, cid, e, path):
    if isinstance(e, OSError):
        await cmds.err(cid, errtext(e, path))
    else:
        await cmds.err(cid, "bad options: expected a JSON object")


async def ls_cmd(cmds, cid, tail, seq, last, payload):
    top = tail or "/"
    try:
        o = options(payload)
        if kind(top) is None:
            raise OSError(2)
        if kind(top) == "f":
            raise OSError(20)
    except Exception as e:
        return await _err(cmds, cid, e, top)
    later(cmds, cid, _ls(cmds, cid, top, o.get("recursive"), o.get("sha")))


async def _stat(cmds, cid, path, st, sha):
    e = _entry(None, st)
    del e["name"]
    if sha and e["type"] == "f":
        e["sha256"] = await sha256_file(path)
    await cmds.reply(cid, json.dumps(e).encode())


async def stat_cmd(cmds, cid, tail, seq, last, payload):
    path = tail or "/"
    try:
        sha = options(payload).get("sha")
        st = os.stat(path)
    except Exception as e:
        return await _err(cmds, cid, e, path)
    later(cmds, cid, _stat(cmds, cid, path, st, sha))


def _mkdirs(path):
    cur = "/" if path.startswith("/") else ""
    for part in path.split("/"):
        if not part:
            continue
        cur = join(cur, part) if cur else part
        k = kind(cur)
        if k == "f":
            raise PathError(17 if cur == path.rstrip("/") else 20, cur)
        if k is None:
            try:
                os.mkdir(cur)
            except OSError as e:
                raise PathError(e.args[0], cur)


def _rmtree(path):
    for ent in list(os.ilistdir(path)):
        full = join(path, ent[0])
        if kind(full) == "d":
            _rmtree(full)
        else:
            os.remove(full)
    os.rmdir(path)


def _rm(path):
    if kind(path) == "d":
        raise OSError(21)
    os.remove(path)


def _rmdir(path, o):
    if path.rstrip("/") in ("", "."):
        raise OSError(1)  # never the root (or working) directory
    k = kind(path)
    if k == "f":
        raise OSError(20)
    if o.get("recursive") and k == "d":
        _rmtree(path)
    else:
        os.rmdir(path)


def replace(src, dst):
    """Renames src to dst, replacing a file there (LittleFS does; a FAT file system does not)."""
    try:
        os.rename(src, dst)
    except OSError:
        if kind(dst) != "f":
            raise
        os.remove(dst)
        os.rename(src, dst)


def _mv(src, dst):
    if kind(src) is None:
        raise OSError(2)
    if kind(dst) == "d":
        raise PathError(21, dst)
    try:
        replace(src, dst)
    except OSError as e:
        raise PathError(e.args[0], dst)


async def _simple(cmds, cid, path, fn, *args):
    if not path:
        return await cmds.err(cid, "a path is needed (the topic tail)")
    try:
        fn(path, *args)
    except (OSError, PathError) as e:
        return await cmds.err(cid, errtext(e, path))
    await cmds.reply(cid, b"OK")


async def mkdir_cmd(cmds, cid, tail, seq, last, payload):
    await _simple(cmds, cid, tail, _mkdirs)


async def rm_cmd(cmds, cid, tail, seq, last, payload):
    await _simple(cmds, cid, tail, _rm)


async def rmdir_cmd(cmds, cid, tail, seq, last, payload):
    try:
        o = options(payload)
    except ValueError:
        return await cmds.err(cid, "bad options: expected a JSON object")
    await _simple(cmds, cid, tail, _rmdir, o)


async def mv_cmd(cmds, cid, tail, seq, last, payload):
    dst = bytes(payload).decode()
    if not dst:
        return await cmds.err(cid, "mv needs the destination path as its payload")
    await _simple(cmds, cid, tail, _mv, dst)


async def df_cmd(cmds, cid, tail, seq, last, payload):
    s = os.statvfs(tail or "/")
    await cmds.reply(cid, json.dumps({"total": s[0] * s[2], "free": s[0] * s[3], "block": s[0]}).encode())
