# Duty cycle of a battery board (`sleep = {"period": s, "awake": s}` in board_config.py): wake,
# connect, do the work, sleep with machine.deepsleep(). What keeps it awake: the awake window after
# connecting, every command received (a transfer or REPL session streams commands), a console's
# `awake` request (bounded), a new firmware image until its health check confirmed it, and the
# first watchdog round trip (the proof that MQTT works, which makes the wake a healthy boot).
# Before sleeping it publishes its retained status with "asleep" and the time of the next wake,
# waits for the broker's PUBACK and disconnects cleanly, so the last will ("offline") never fires
# for a planned sleep. A deep-sleep wake is then an ordinary boot: boot.py counts it as failed
# until this module (or the watchdog) marks it healthy.
import asyncio
import machine
import time
from micropython import const
import mqb_clock
import mqb_log
import mqb_state

log = mqb_log.getLogger("sleep")
_MAX_HOLD = const(3600)  # seconds a console may keep the board awake with one request
_POLL_MS = const(100)


class DutyCycle:
    def __init__(self, board, period, awake, max_awake=60):
        self.b = board
        self.period = max(1, int(period))
        self.awake = max(1, int(awake))
        self.max_awake = max(int(max_awake), self.awake)  # a wake that never connects ends here
        self.busy = 0  # commands running now
        self._until = None  # ticks: awake at least until then (set once connected)
        self._t0 = time.ticks_ms()

    def info(self, next_wake=None):
        return {"period": self.period, "awake": self.awake, "next_wake": next_wake}

    def hold(self, seconds):
        """Stays awake for at least `seconds` more (capped); 0 releases an earlier request."""
        now = time.ticks_ms()
        if seconds <= 0:
            self._until = now
            return 0
        t = time.ticks_add(now, min(int(seconds), _MAX_HOLD) * 1000)
        if self._until is None or time.ticks_diff(t, self._until) > 0:
            self._until = t
        return time.ticks_diff(self._until, now) // 1000

    def on_command(self):
        self.hold(self.awake)

    def _held(self):
        b = self.b
        if self.busy or time.ticks_diff(self._until, time.ticks_ms()) > 0:
            return True
        wd = getattr(b, "watchdog", None)
        if wd is not None and not wd.healthy:
            import mqb_status

            if mqb_status.pending_verify():
                return True  # a new image sleeps only once its health check confirmed it
            if not wd.feeds and not self._expired():
                return True  # no MQTT round trip yet: this wake has not proven itself
        return False

    def _expired(self):
        return time.ticks_diff(time.ticks_ms(), self._t0) >= self.max_awake * 1000

    async def run(self):
        b = self.b
        while True:
            await asyncio.sleep_ms(_POLL_MS)
            if not b.mqtt.connected:
                if self._expired():
                    log.warning("no connection within %d s: sleeping anyway", self.max_awake)
                    await self._sleep(False)
                continue
            if self._until is None:
                self.hold(self.awake)
            if not self._held():
                wd = getattr(b, "watchdog", None)
                await self._sleep(wd is None or wd.feeds > 0 or wd.healthy)

    async def _sleep(self, healthy):
        import mqb_status

        b = self.b
        if healthy and not b.problems:
            mqb_state.mark_healthy()  # a wake that did its work is a good boot, not a failed one
        remember = getattr(b.wifi, "remember", None)
        if remember:
            remember()  # the next wake reuses the IP lease (mqb_net)
        next_wake = mqb_clock.unix() + self.period if mqb_clock.known() else None
        awake_ms = time.ticks_diff(time.ticks_ms(), b.started)
        log.info("sleeping %d s after %d ms awake", self.period, awake_ms)
        if b.mqtt.connected:
            status = mqb_status.build(b.prefix, b.started, b.wifi, b.modules,
                                      {"online": False, "asleep": True, "sleep": self.info(next_wake), "awake_ms": awake_ms})
            try:
                await asyncio.sleep_ms(0)  # lets the log pump take the line above
                await asyncio.wait_for(b.mqtt.publish(b.prefix + "/mqb/status", status, retain=True, qos=1), 3)
                await asyncio.wait_for(b.mqtt.wait_all_acked(), 3)
                await b.mqtt.disconnect()
            except Exception as e:  # the will may fire then: better than not sleeping
                log.warning("clean disconnect before sleep failed: %r", e)
        machine.deepsleep(self.period * 1000)
