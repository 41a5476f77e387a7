# Files over MQTT (docs/protocol.md): `get` streams a file back in framed messages ended by an
# empty one with *last*; `put` receives one. A put writes into <path>.mqbtmp and renames it over
# the target only after the last message (and the SHA-256 check when the tail asks for one):
# an interrupted or failed upload never clobbers the old file, and the next put of the same
# path starts by removing a temporary file a power cut left behind.
import asyncio
import binascii
import hashlib
import os
import mqb_fs
import mqb_sign
import mqb_xfer
from mqb_reply import CHUNK, MAX_CHUNK, Out, later
from mqb_xfer import Refused

_TMP = ".mqbtmp"
_one_get = asyncio.Lock()  # files stream one at a time: each stream holds a buffer and a window


async def _send_file(cmds, cid, f, chunk):
    try:
        async with _one_get:
            await Out(cmds, cid, chunk).copy_file(f)
    finally:
        f.close()


async def get_cmd(cmds, cid, tail, seq, last, payload):
    if not tail:
        return await cmds.err(cid, "get needs a file path")
    try:
        chunk = mqb_fs.options(payload).get("chunk", CHUNK)
        if not isinstance(chunk, int) or not 0 < chunk <= MAX_CHUNK:
            raise ValueError
    except ValueError:
        return await cmds.err(cid, "get options: expected {\"chunk\": 1..%d}" % MAX_CHUNK)
    if mqb_fs.kind(tail) == "d":
        return await cmds.err(cid, "EISDIR: " + tail)
    try:
        f = open(tail, "rb")
    except OSError as e:
        return await cmds.err(cid, mqb_fs.errtext(e, tail))
    later(cmds, cid, _send_file(cmds, cid, f, chunk))


def _hex(h):
    return binascii.hexlify(h.digest()).decode()


class _Put(mqb_xfer.Upload):
    def __init__(self, tail):
        sig, tail = mqb_sign.split(tail)
        self.sha = None
        if tail.startswith("sha256="):
            self.sha, _, tail = tail[7:].partition("/")
            self.sha = self.sha.lower()
            if len(self.sha) != 64 or any(c not in "0123456789abcdef" for c in self.sha):
                raise Refused("put: sha256= takes 64 hex digits")
        if not tail or tail.endswith("/"):
            raise Refused("put needs a file path")
        if sig is not None and self.sha is None:
            raise Refused("put: a signature needs sha256= (it signs the content's SHA-256)")
        mqb_sign.check(sig, "put", tail, self.sha)  # before a byte is written; the SHA check at the end binds the content
        self.key = tail
        self.tmp = tail + _TMP
        self.f = None
        self.h = None

    async def open(self):
        path = self.key
        parent = path[: path.rfind("/")] if "/" in path else ""
        if parent or path.startswith("/"):
            k = mqb_fs.kind(parent or "/")
            if k != "d":
                raise Refused("%s: %s" % ("ENOTDIR" if k else "ENOENT", parent))
        if mqb_fs.kind(path) == "d":
            raise Refused("EISDIR: " + path)
        self._remove_tmp()  # left behind by an upload a power cut or a lost client ended
        try:
            self.f = open(self.tmp, "wb")
        except OSError as e:
            raise Refused(mqb_fs.errtext(e, path))
        self.h = hashlib.sha256() if self.sha else None

    def feed(self, data):
        try:
            self.f.write(data)
        except OSError as e:
            raise Refused(mqb_fs.errtext(e, self.key))
        if self.h is not None:
            self.h.update(data)

    def finish(self):
        try:
            self.f.close()  # may flush the last bytes: ENOSPC can come here
        except OSError as e:
            raise Refused(mqb_fs.errtext(e, self.key))
        finally:
            self.f = None
        got = _hex(self.h) if self.h is not None else None  # digest() ends a MicroPython hash
        if got is not None and got != self.sha:
            raise Refused("SHA-256 mismatch: expected %s, got %s" % (self.sha, got))
        try:
            mqb_fs.replace(self.tmp, self.key)
        except OSError as e:
            raise Refused(mqb_fs.errtext(e, self.key))
        return b"OK"

    def abort(self, failed):
        if self.f:
            try:
                self.f.close()
            except OSError:
                pass  # the file goes anyway
            self.f = None
        self._remove_tmp()

    def _remove_tmp(self):
        try:
            os.remove(self.tmp)
        except OSError:
            pass


def put_cmd(cmds, cid, tail, seq, last, payload):
    return mqb_xfer.handle(cmds, cid, tail, seq, last, payload, _Put)  # no coroutine of its own
