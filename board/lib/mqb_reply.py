# Streamed replies (docs/protocol.md): bytes written to an Out are cut into framed messages
# (2-byte header: bit 15 last, bits 0-14 seq) published QoS 1 on <prefix>/mqb/reply/out/<id>.
# A reply longer than a couple of messages must be sent from a task of its own (`later`): command
# handlers run in the MQTT reader task, and a publish that waits for window space needs PUBACKs
# only that task can read.
import asyncio
from micropython import const
import mqb_log

log = mqb_log.getLogger("reply")
CHUNK = const(1400)  # payload per message, as the original protocol
MAX_CHUNK = const(4096)  # what a v2 client may ask for (the receive buffer holds 4.5 KB)
_INFLIGHT = const(8192)  # bytes of one stream the MQTT window may hold (it keeps copies)


class Out:
    def __init__(self, cmds, cid, chunk=CHUNK):
        self._mqtt = cmds.mqtt
        self._topic = cmds.prefix + "/mqb/reply/out/" + cid
        self._buf = bytearray(2 + chunk)
        self._mv = memoryview(self._buf)
        self._n = 2
        self.seq = 0
        self._inflight = max(1, _INFLIGHT // chunk)

    async def write(self, data):
        mv = memoryview(data)
        size = len(self._buf)
        i = 0
        while i < len(mv):
            k = min(len(mv) - i, size - self._n)
            self._mv[self._n : self._n + k] = mv[i : i + k]
            self._n += k
            i += k
            if self._n == size:
                await self._send(False)

    async def copy_file(self, f):
        """Streams an open file, then the empty message with *last* that ends a `get`."""
        room = self._mv[2:]
        while True:
            n = f.readinto(room)
            if not n:
                break
            self._n = 2 + n
            await self._send(False)
        await self._send(True)

    async def close(self):
        """Sends the rest with *last*; a reply that fits one message goes as a single reply."""
        if self.seq == 0:
            self._buf[0] = self._buf[1] = 0xFF
            await self._mqtt.publish(self._topic, self._mv[: self._n], qos=1)
            self.seq = 1
        else:
            await self._send(True)

    async def _send(self, last):
        h = (0x8000 if last else 0) | self.seq
        self._buf[0] = h >> 8
        self._buf[1] = h & 0xFF
        await self._mqtt.publish(self._topic, self._mv[: self._n], qos=1)
        self.seq += 1
        self._n = 2
        # Bounds the copies the window holds (16 messages of 4 KB would be 64 KB of heap), as a
        # sliding window: the next message goes as soon as one has been acknowledged, instead of
        # stopping for the round trip of the last one every few messages.
        await self._mqtt.wait_unacked(self._inflight - 1)


async def _guard(coro, cmds, cid):
    try:
        await coro
    except Exception as e:  # a reply task must never reach the loop's crash handler
        log.exc(e, "reply to %s failed", cid)
        try:
            await cmds.err(cid, "reply failed: %r" % e)
        except Exception:
            pass


def later(cmds, cid, coro):
    """Runs a reply coroutine in a task of its own; a failure is logged and reported on err."""
    return asyncio.create_task(_guard(coro, cmds, cid))
