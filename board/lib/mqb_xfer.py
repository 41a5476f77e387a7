# Uploads to the board (`put`, `ota`) arrive as streams of framed messages, each handled in the
# MQTT reader task as it arrives. This module does what all uploads share (docs/protocol.md):
# one entry per upload keyed by command id; the sequence check (a redelivered message is
# dropped, a gap ends the upload); flow control ("SEQ <n>" for every 8th message; acks are
# cumulative, so a board that falls behind sends only the newest); at most two uploads at once;
# a newer upload of the same target replaces an older one; an upload whose sender went away is
# dropped after a minute without messages.
# A SEQ goes out as soon as its message is accepted, before the data is written: it says
# "received", so the sender's next messages travel while the flash is written (an ESP32 erases
# and writes a 4 KB block in tens of ms). It never meant "stored": a failed write still ends the
# upload with an error (what the sender sent meanwhile is ignored), durability is the final OK,
# and a resume starts from what `otastat` reports, recorded only after the blocks were written.
# The handler publishes a SEQ itself only when the MQTT window has room (then nothing waits for
# acknowledgements the reader task would have to read); otherwise, and for the final reply, a
# task of its own does (mqb_reply.later): see there why.
import asyncio
import time
from micropython import const
import mqb_log
from mqb_reply import later

log = mqb_log.getLogger("xfer")
_MAX = const(2)
_ACK_EVERY = const(8)
_IDLE_MS = const(60000)
_active = {}  # command id -> Upload
_ended = ["", "", "", ""]  # ids of recently ended uploads: their late messages are ignored
_ended_i = 0
_sweeper = None


class Refused(Exception):
    """An upload cannot go on; the text is the err reply."""


class Upload:
    """One upload: __init__(tail) only parses (raises Refused), `await open()` takes resources,
    feed(data) handles a payload (valid during the call only), finish() returns the reply,
    abort(failed) releases everything (failed: the upload ended with an error)."""

    key = None  # what the upload writes: a newer upload of the same key replaces this one
    expect = 0
    t = 0
    ack = -1  # the SEQ acknowledgement waiting to be sent
    acking = False

    async def open(self):
        pass

    def feed(self, data):
        pass

    def finish(self):
        return b"OK"

    def abort(self, failed):
        pass


def _end(cid):
    global _ended_i
    _active.pop(cid, None)
    _ended[_ended_i] = cid
    _ended_i = (_ended_i + 1) % len(_ended)


def _fail(cmds, cid, up, text):
    try:
        up.abort(True)
    except Exception as e:
        log.exc(e, "cleaning up upload %s", cid)
    _end(cid)
    later(cmds, cid, cmds.err(cid, text))


def _drop(cmds, cid, why):
    # Not an error of this upload's own making: what it recorded (OTA progress) is kept.
    up = _active.get(cid)
    if up is None:
        return
    log.warning("upload %s (%s) dropped: %s", cid, up.key, why)
    try:
        up.abort(False)
    except Exception as e:
        log.exc(e, "cleaning up upload %s", cid)
    _end(cid)
    if cmds:
        later(cmds, cid, cmds.err(cid, "upload " + why))


async def _sweep():
    global _sweeper
    try:
        while _active:
            await asyncio.sleep_ms(5000)
            now = time.ticks_ms()
            for cid in [c for c, up in _active.items() if time.ticks_diff(now, up.t) > _IDLE_MS]:
                _drop(None, cid, "abandoned: no message for 60 s")
    finally:
        _sweeper = None


async def handle(cmds, cid, tail, seq, last, payload, kind):
    """Handles one message of an upload of class `kind` (an Upload) with command id `cid`."""
    global _sweeper
    up = _active.get(cid)
    if up is None:
        if cid in _ended:
            return  # still in flight when the upload ended
        if seq != 0:
            _end(cid)
            later(cmds, cid, cmds.err(cid, "no upload in progress with this id (the board restarted?)"))
            return
        try:
            up = kind(tail)
        except Refused as e:
            _end(cid)
            await cmds.err(cid, str(e))
            return
        for other in [c for c, u in _active.items() if u.key == up.key]:
            _drop(cmds, other, "superseded by a newer upload of %s" % up.key)
        if len(_active) >= _MAX:
            _end(cid)
            await cmds.err(cid, "busy: %d uploads in progress, try again later" % len(_active))
            return
        _active[cid] = up
        up.t = time.ticks_ms()
        if _sweeper is None:
            _sweeper = asyncio.create_task(_sweep())
        try:
            await up.open()
        except Exception as e:
            return _fail(cmds, cid, up, _text(e, up))
    if _active.get(cid) is not up:
        return  # dropped while it opened
    if seq < up.expect:
        return  # a redelivered message
    if seq > up.expect:
        return _fail(cmds, cid, up, "sequence gap: expected message %d, got %d" % (up.expect, seq))
    up.expect = seq + 1
    up.t = time.ticks_ms()
    if not last and seq % _ACK_EVERY == 0:
        up.ack = seq
        if up.acking:
            pass  # the ack task sends the newest one
        elif _room(cmds) > 0:
            up.ack = -1
            await cmds.reply(cid, b"SEQ %d" % seq)
            if _active.get(cid) is not up:
                return  # dropped while the ack went out (superseded)
        else:
            up.acking = True
            later(cmds, cid, _send_acks(cmds, cid, up))
    try:
        up.feed(payload)
        if last:
            result = up.finish()
            _end(cid)
            later(cmds, cid, cmds.reply(cid, result))
    except Exception as e:
        _fail(cmds, cid, up, _text(e, up))


def _room(cmds):
    room = getattr(cmds.mqtt, "room", None)
    return room() if room else 0


async def _send_acks(cmds, cid, up):
    # One task per upload: when messages arrive faster than acks go out, only the newest ack is
    # sent (they are cumulative), instead of a pile of tasks each holding its own reply.
    try:
        while up.ack >= 0 and _active.get(cid) is up:
            n = up.ack
            up.ack = -1
            await cmds.reply(cid, b"SEQ %d" % n)
    finally:
        up.acking = False


def _text(e, up):
    if isinstance(e, Refused):
        return str(e)
    log.exc(e, "upload of %s failed", up.key)
    return "upload of %s failed: %r" % (up.key, e)
