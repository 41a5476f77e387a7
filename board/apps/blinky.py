# Demo app: blinks the LED. The period (ms) is set over MQTT on <prefix>/blinky/period and
# reported retained on <prefix>/blinky/state. Bad input is refused with one log line.
import asyncio
import machine
import mqb_log

__version__ = "1.0.0"
log = mqb_log.getLogger("blinky")
_MIN_MS = 50
_MAX_MS = 60000


class Blinky:
    def __init__(self, mqtt, cfg):
        self.mqtt = mqtt
        self.led = machine.Pin(cfg.get("pin", 2), machine.Pin.OUT)
        self.period = self._valid(cfg.get("period_ms", 1000)) or 1000
        self.topic = mqtt.prefix + "/blinky"

    def _valid(self, v):
        try:
            v = int(v)
        except (TypeError, ValueError):
            return None
        return v if _MIN_MS <= v <= _MAX_MS else None

    async def on_period(self, topic, msg, retained, dup):
        text = bytes(msg[:16]).decode("utf-8", "ignore").strip() if len(msg) <= 16 else ""
        v = self._valid(text)
        if v is None:
            log.warning("ignored period %r: expected %d..%d ms", text or "<%d bytes>" % len(msg), _MIN_MS, _MAX_MS)
            return
        self.period = v
        log.info("period %d ms", v)
        await self.report()

    async def report(self):
        await self.mqtt.publish(self.topic + "/state", b'{"period_ms": %d}' % self.period, retain=True, qos=1)

    async def run(self):
        await self.mqtt.subscribe(self.topic + "/period", self.on_period)
        while True:
            self.led.value(not self.led.value())
            await asyncio.sleep_ms(self.period // 2)


def start(mqtt, cfg):
    app = Blinky(mqtt, cfg)
    mqtt.board.tasks.append(asyncio.create_task(app.run()))
    return app
