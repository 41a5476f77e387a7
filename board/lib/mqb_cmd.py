# Commands over MQTT: <prefix>/mqb/cmd/<cmd>/<id>[/<tail>], framed messages (2-byte header:
# bit 15 last, bits 0-14 sequence), replies on <prefix>/mqb/reply/out/<id> and
# <prefix>/mqb/reply/err/<id>, as the original MQBoard protocol (docs/protocol.md).
# Until a command arrives without the MQTT DUP flag, redelivered ones are ignored: a command
# that crashed the board is not run again after the reset.
import time
import mqb_log

log = mqb_log.getLogger("cmd")
SINGLE = b"\xff\xff"  # header of a single-message reply


class Commands:
    def __init__(self, mqtt, prefix):
        self.mqtt = mqtt
        self.prefix = prefix
        self._h = {}
        self._fresh = False
        self._cut = len(prefix) + 9  # len("/mqb/cmd/")
        self._bad = 0
        self._bad_logged = 0
        self._last = (None, None)  # the last topic and its (cmd, id, tail): a stream repeats it
        self.duty = None  # the board's DutyCycle when it sleeps between wakes

    def register(self, name, handler):
        """handler(cmds, id, tail, seq, last, payload) -> awaitable; payload is a memoryview."""
        self._h[name] = handler

    async def start(self):
        await self.mqtt.subscribe(self.prefix + "/mqb/cmd/#", self._on, qos=1)

    def _reject(self, why, topic):
        # At most one log line per bad message, and a summary instead of a flood.
        self._bad += 1
        now = time.ticks_ms()
        if self._bad <= 5 or time.ticks_diff(now, self._bad_logged) > 10000:
            self._bad_logged = now
            log.warning("ignored bad command (%s) on %s; %d so far", why, topic, self._bad)

    async def _on(self, topic, msg, retained, dup):
        if dup and not self._fresh:
            log.info("ignoring redelivered command %s", topic)
            return
        self._fresh = True
        if retained:
            return self._reject("retained", topic)
        if topic is self._last[0]:  # the MQTT client hands a stream's topic over as the same str
            cmd, cid, tail = self._last[1]
        else:
            parts = topic[self._cut :].split("/", 2)
            if len(parts) < 2 or not parts[0] or not parts[1]:
                return self._reject("no command or id", topic)
            cmd, cid = parts[0], parts[1]
            tail = parts[2] if len(parts) > 2 else ""
            self._last = (topic, (cmd, cid, tail))
        if len(msg) < 2:
            return self._reject("no header", topic)
        hdr = (msg[0] << 8) | msg[1]
        h = self._h.get(cmd)
        if h is None:
            await self.err(cid, "Command '%s' not supported" % cmd)
            return
        duty = self.duty if cmd != "feed" else None  # a battery board stays awake while commands come and run
        if duty is not None:
            duty.on_command()
            duty.busy += 1
        try:
            await h(self, cid, tail, hdr & 0x7FFF, bool(hdr & 0x8000), msg[2:])
        except Exception as e:
            log.exc(e, "command %s failed", cmd)
            await self.err(cid, "%s: %r" % (cmd, e))
        finally:
            if duty is not None:
                duty.busy -= 1
                duty.on_command()

    async def reply(self, cid, payload, seq=None, last=True):
        hdr = SINGLE if seq is None else (((0x8000 if last else 0) | seq).to_bytes(2, "big"))
        await self.mqtt.publish(self.prefix + "/mqb/reply/out/" + cid, hdr + bytes(payload), qos=1)

    async def err(self, cid, text):
        await self.mqtt.publish(self.prefix + "/mqb/reply/err/" + cid, text, qos=1)
