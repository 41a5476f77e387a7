# Wi-Fi station handling, separate from MQTT: the MQTT client awaits up() before each connection
# attempt; the ESP32 reconnects to the access point by itself after a loss.
import asyncio
import network
import mqb_log

log = mqb_log.getLogger("wifi")
_STATUS = {
    network.STAT_NO_AP_FOUND: "access point not found",
    network.STAT_WRONG_PASSWORD: "wrong Wi-Fi password",
}


class WiFi:
    def __init__(self, ssid, password, hostname=None):
        self._ssid = ssid
        self._pw = password
        self._wlan = network.WLAN(network.STA_IF)
        if hostname:
            try:
                network.hostname(hostname)
            except Exception:
                pass
        self._started = False

    @property
    def connected(self):
        return self._wlan.isconnected()

    def ip(self):
        return self._wlan.ifconfig()[0] if self.connected else None

    def rssi(self):
        try:
            return self._wlan.status("rssi")
        except Exception:
            return None

    async def up(self, timeout_ms=30000):
        if self._wlan.isconnected():
            return
        if not self._started:
            self._wlan.active(True)
            self._wlan.connect(self._ssid, self._pw)
            self._started = True
            log.info("joining %s", self._ssid)
        waited = 0
        while not self._wlan.isconnected():
            if waited >= timeout_ms:
                status = self._wlan.status()
                raise OSError("wifi: " + _STATUS.get(status, "not connected (status %d)" % status))
            await asyncio.sleep_ms(100)
            waited += 100
        log.info("connected, address %s", self.ip())
