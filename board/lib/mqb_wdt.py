# Watchdog: the hardware WDT is fed only when a command the board sends to itself through the
# broker comes back (proof that the board can be commanded remotely). After `allok` seconds of
# successful feeds the boot is healthy: next boot normal, running OTA image confirmed, logging
# switches to its running levels; in safe mode with `revert`, the board resets into normal mode.
# A boot whose app modules failed to start is not healthy: at `allok` it resets to try again, and
# boot.py turns repeated failures into safe mode.
import asyncio
import binascii
import machine
import os
import time
from micropython import const
import mqb_log
import mqb_state

log = mqb_log.getLogger("watchdog")
_RETRY_MS = const(100)


class Watchdog:
    def __init__(self, mqtt, cmds, timeout=300, allok=300, revert=True, problems=None, on_healthy=None):
        self.mqtt = mqtt
        self.cmds = cmds
        self.timeout = timeout
        self.allok = allok
        self.revert = revert
        self.problems = problems if problems is not None else []  # why this boot is not healthy
        self.on_healthy = on_healthy
        self.feeds = 0
        self.healthy = False
        self._nonce = None
        self._wdt = None
        self._t0 = time.ticks_ms()

    def start(self):
        self._wdt = machine.WDT(timeout=self.timeout * 1000)
        self.cmds.register("feed", self._on_feed)
        return asyncio.create_task(self._loop())

    async def _on_feed(self, cmds, cid, tail, seq, last, payload):
        if cid == self._nonce:
            self._wdt.feed()
            self.feeds += 1
            self._nonce = None

    async def _loop(self):
        period = max(1, self.timeout // 4) * 1000
        next_feed = time.ticks_ms()
        while True:
            now = time.ticks_ms()
            if time.ticks_diff(now, next_feed) >= 0:
                # Not connected yet: look again soon, so the first round trip (which a battery
                # board's wake waits for) goes out as soon as MQTT is up, not a period later.
                next_feed = time.ticks_add(now, period if self.mqtt.connected else _RETRY_MS)
                if self.mqtt.connected:
                    self._nonce = binascii.hexlify(os.urandom(4)).decode()
                    try:
                        await self.mqtt.publish("%s/mqb/cmd/feed/%s" % (self.cmds.prefix, self._nonce), b"\x80\x00", qos=1)
                    except Exception as e:
                        log.warning("feed request failed: %r", e)
            wait = time.ticks_diff(next_feed, time.ticks_ms())
            if not self.healthy:  # wake up in time for the all-OK decision too
                wait = min(wait, max(100, time.ticks_diff(time.ticks_add(self._t0, self.allok * 1000), time.ticks_ms())))
            await asyncio.sleep_ms(max(0, wait))
            if not self.healthy and self.feeds and time.ticks_diff(time.ticks_ms(), self._t0) >= self.allok * 1000:
                await self._all_ok()

    async def _all_ok(self):
        if self.problems:
            log.error("boot not healthy (%s): resetting, %d failed boot(s) so far", ", ".join(self.problems), mqb_state.failed_boots())
            await asyncio.sleep_ms(500)  # let the log line go out
            mqb_state.reset("hard")
        self.healthy = True
        mqb_state.mark_healthy()
        try:
            from esp32 import Partition

            Partition.mark_app_valid_cancel_rollback()
        except Exception as e:
            log.warning("could not confirm the running firmware: %r", e)
        mqb_log.running()
        log.info("all OK after %d feeds", self.feeds)
        if self.on_healthy:
            await self.on_healthy()
        if mqb_state.safe_mode() and self.revert:
            log.warning("safe mode healthy, reverting to normal mode")
            await asyncio.sleep_ms(500)
            mqb_state.reset("normal")
