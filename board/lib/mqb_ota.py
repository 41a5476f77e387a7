# Firmware upgrades over MQTT (docs/protocol.md): `ota [sig=<signature>/]<sha>[/<offset>]` streams an ESP-IDF app
# image into the next OTA app partition, `otastat <sha>` tells how much of it is already there.
# The image goes through one 4 KB block buffer: each full block is erased and written
# (Partition.writeblocks without offset erases first), the last one padded with 0xFF, and the
# SHA-256 of what arrived must match before set_boot(). Every 64 KB the progress is recorded in
# /.mqb_ota, so an upload a power cut or a lost connection ended can resume: the board re-reads
# and hashes the blocks already in flash (the final hash proves them too) and goes on from there.
# The record is one fixed-size write into a file kept open during the upload, then a flush:
# LittleFS commits that atomically (a power cut leaves the old record or the new one), and a crc
# in the record catches a write torn on a file system that does not. A new file and a rename per
# record would cost several metadata commits each.
import asyncio
import binascii
import hashlib
import json
import os
from binascii import crc32
from micropython import const
import mqb_log
import mqb_sign
import mqb_xfer
from mqb_xfer import Refused

log = mqb_log.getLogger("ota")

_BLOCK = const(4096)
_RECORD_BLOCKS = const(16)  # progress is recorded every 64 KB
_MAGIC = const(0xE9)  # first byte of an ESP-IDF app image
_STATE = "/.mqb_ota"
_REC = const(160)  # the record's size: always the same, so a rewrite never leaves a longer tail


def _partition():
    from esp32 import Partition

    return Partition(Partition.RUNNING).get_next_update()


def _crc(sha, label, offset):
    return crc32(("%s %s %d" % (sha, label, offset)).encode())


def _recorded(sha, label):
    """Bytes of image `sha` recorded as written to partition `label` (0 if none)."""
    try:
        with open(_STATE) as f:
            r = json.loads(f.read())
        crc = r.get("crc")  # none in a record of an older firmware
        if crc is not None and crc != _crc(r["sha"], r["partition"], r["offset"]):
            return 0  # torn by a power cut
        return r["offset"] if r["sha"] == sha and r["partition"] == label else 0
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0


def _record(f, sha, label, offset):
    """Rewrites the record in the open file `f`."""
    rec = json.dumps({"sha": sha, "partition": label, "offset": offset, "crc": _crc(sha, label, offset)})
    f.seek(0)
    f.write(rec.encode() + b" " * (_REC - len(rec)))
    f.flush()


def _forget():
    try:
        os.remove(_STATE)
    except OSError:
        pass


def _sha(text):
    sha = text.lower()
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise Refused("ota: expected the image's SHA-256 as 64 hex digits, got %r" % text)
    return sha


class _Ota(mqb_xfer.Upload):
    key = "the firmware partition"

    def __init__(self, tail):
        sig, tail = mqb_sign.split(tail)
        sha, _, offset = tail.partition("/")
        self.sha = _sha(sha)
        mqb_sign.check(sig, "ota", "", self.sha)  # before a byte is written; the SHA check binds the image before set_boot
        try:
            self.offset = int(offset or "0")
        except ValueError:
            raise Refused("ota: bad resume offset %r" % offset)
        if self.offset < 0 or self.offset % _BLOCK:
            raise Refused("ota: the resume offset must be a multiple of %d" % _BLOCK)
        self.buf = None
        self.rec = None  # the record file, open while the upload runs
        self.started = False  # a refused resume leaves the record alone: otastat still holds

    async def open(self):
        self.p = _partition()
        self.label = self.p.info()[4]
        self.blocks = self.p.info()[3] // _BLOCK
        self.buf = bytearray(_BLOCK)
        self.mv = memoryview(self.buf)
        self.h = hashlib.sha256()
        self.blk = self.offset // _BLOCK
        self.pos = 0
        if not self.offset:
            _forget()
            return
        have = _recorded(self.sha, self.label)
        if self.offset > have:
            raise Refused("ota: cannot resume at %d, %d bytes of this image are in %s" % (self.offset, have, self.label))
        self.started = True
        for b in range(self.blk):
            self.p.readblocks(b, self.buf)
            if b == 0 and self.buf[0] != _MAGIC:
                raise Refused("not an ESP32 app image")
            self.h.update(self.buf)
            if b % _RECORD_BLOCKS == 0:
                await asyncio.sleep_ms(0)  # let the status and log tasks run

    def feed(self, data):
        n = len(data)
        if n and self.blk == 0 and self.pos == 0 and data[0] != _MAGIC:
            raise Refused("not an ESP32 app image")
        self.h.update(data)
        i = 0
        while i < n:
            k = min(n - i, _BLOCK - self.pos)
            self.mv[self.pos : self.pos + k] = data[i : i + k]
            self.pos += k
            i += k
            if self.pos == _BLOCK:
                self._write()

    def _write(self):
        if self.blk >= self.blocks:
            raise Refused("the image is larger than %s (%d bytes)" % (self.label, self.blocks * _BLOCK))
        full = self.pos == _BLOCK
        for i in range(self.pos, _BLOCK):
            self.buf[i] = 0xFF  # the padding of the last block reads as erased flash
        self.p.writeblocks(self.blk, self.buf)
        self.blk += 1
        self.pos = 0
        if full and self.blk % _RECORD_BLOCKS == 0:
            self._save(self.blk * _BLOCK)

    def _save(self, offset):
        try:
            if self.rec is None:
                try:
                    self.rec = open(_STATE, "r+b")  # not truncated: the old record holds until then
                except OSError:
                    self.rec = open(_STATE, "wb")
            _record(self.rec, self.sha, self.label, offset)
        except OSError as e:  # a full file system costs the resume, not the upgrade
            log.warning("cannot record OTA progress: %r", e)

    def finish(self):
        if self.pos:
            self._write()
        got = binascii.hexlify(self.h.digest()).decode()
        self._release()
        _forget()
        if got != self.sha:
            raise Refused("SHA-256 mismatch: expected %s, got %s" % (self.sha, got))
        try:
            self.p.set_boot()
        except OSError as e:
            raise Refused("set_boot refused the image: %s" % (e.args[-1] if e.args else e))
        return b"OK"

    def abort(self, failed):
        # Given up (error): start over next time. Dropped (client gone): keep the record to resume.
        self._release()
        if failed and (self.started or not self.offset):
            _forget()

    def _release(self):
        self.buf = self.mv = self.h = None
        if self.rec is not None:
            try:
                self.rec.close()
            except OSError:
                pass
            self.rec = None


def ota_cmd(cmds, cid, tail, seq, last, payload):
    return mqb_xfer.handle(cmds, cid, tail, seq, last, payload, _Ota)  # no coroutine of its own


async def otastat_cmd(cmds, cid, tail, seq, last, payload):
    try:
        sha = _sha(tail)
    except Refused as e:
        return await cmds.err(cid, str(e))
    label = _partition().info()[4]
    await cmds.reply(cid, json.dumps({"sha": sha, "offset": _recorded(sha, label), "partition": label}).encode())
