# Wi-Fi station handling, separate from MQTT: the MQTT client awaits up() before each connection
# attempt; the ESP32 reconnects to the access point by itself after a loss.
# Fast join: the IP lease of the last DHCP join is kept in RTC memory (which survives deep sleep
# and resets, not a power cut) and reused as a static address on the next boot within
# `reuse_s` seconds, which skips the DHCP exchange (~0.8 s of a wake on an ESP32). A join that
# does not get the link in _FAST_MS, or whose first MQTT connection fails, drops the record and
# joins again with DHCP. The stock port's connect() has no channel option (it scans from channel
# 1) and cannot tell the joined AP's BSSID, so the channel is kept for the status only.
# RTC memory bytes 16-39 (boot.py owns 0-15): "W1", channel, 0, ip, mask, gw, dns (4 bytes each),
# Unix time of the lease (4, little endian).
import asyncio
import machine
import network
import time
from micropython import const
import mqb_clock
import mqb_log

log = mqb_log.getLogger("wifi")
_STATUS = {
    network.STAT_NO_AP_FOUND: "access point not found",
    network.STAT_WRONG_PASSWORD: "wrong Wi-Fi password",
}
_AT = const(16)
_END = const(40)
_FAST_MS = const(4000)


def _dotted(b):
    return "%d.%d.%d.%d" % (b[0], b[1], b[2], b[3])


def _packed(s):
    return bytes(int(x) for x in s.split("."))


def _saved(reuse_s):
    """The saved lease (ip, mask, gw, dns) if it is younger than reuse_s, else None."""
    if reuse_s <= 0 or not mqb_clock.known():
        return None
    m = machine.RTC().memory()
    if len(m) < _END or m[_AT:_AT + 2] != b"W1":
        return None
    age = mqb_clock.unix() - int.from_bytes(m[_AT + 20:_END], "little")
    if not 0 <= age < reuse_s:
        return None
    return tuple(_dotted(m[i:i + 4]) for i in range(_AT + 4, _AT + 20, 4))


def _save(cfg, channel):  # the clock is known
    m = bytearray(machine.RTC().memory())
    if len(m) < 16:
        return  # boot.py has not run (a bare interpreter): nothing to add to
    if len(m) < _END:
        m.extend(bytes(_END - len(m)))
    m[_AT:_AT + 4] = bytes((87, 49, channel & 255, 0))  # "W1"
    m[_AT + 4:_AT + 20] = b"".join(_packed(a) for a in cfg)
    m[_AT + 20:_END] = int(mqb_clock.unix()).to_bytes(4, "little")
    machine.RTC().memory(m)


def forget():
    m = bytearray(machine.RTC().memory())
    if len(m) >= _END and m[_AT:_AT + 2] == b"W1":
        m[_AT:_AT + 2] = b"\0\0"
        machine.RTC().memory(m)


class WiFi:
    def __init__(self, ssid, password, hostname=None, reuse_s=3600):
        self._ssid = ssid
        self._pw = password
        self._reuse = reuse_s
        self._wlan = network.WLAN(network.STA_IF)
        if hostname:
            try:
                network.hostname(hostname)
            except Exception:
                pass
        self._started = False
        self.join = None  # "static" (the saved lease) or "dhcp"
        self.join_ms = None  # connect() to the link up, this boot's first join
        self.channel = None
        self._lease = None  # a DHCP lease not saved yet: the clock was not set when it came

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

    def info(self):
        return {"join": self.join, "join_ms": self.join_ms, "channel": self.channel}

    def _connect(self, lease):
        w = self._wlan
        if lease:
            w.ifconfig(lease)
        self.join = "static" if lease else "dhcp"
        self._t0 = time.ticks_ms()
        w.connect(self._ssid, self._pw)

    def _to_dhcp(self, why):
        log.info("saved address not usable (%s): joining with DHCP", why)
        forget()
        w = self._wlan
        try:
            w.disconnect()
        except OSError:
            pass
        w.ifconfig("dhcp")
        self._connect(None)

    def remember(self):
        """Saves this boot's DHCP lease once the clock is set (after power-on NTP sets it later:
        the duty cycle calls this again before sleeping)."""
        if self._lease and mqb_clock.known():
            _save(self._lease, self.channel or 0)
            self._lease = None

    def failed(self):
        """The MQTT client could not connect: a saved address may be the reason, so drop it."""
        if self.join == "static":
            self._to_dhcp("no connection")

    def start(self):
        """Starts the join without waiting: the radio scans while the interpreter imports the rest."""
        if not self._started:
            self._wlan.active(True)
            self._connect(_saved(self._reuse))
            self._started = True
            log.info("joining %s (%s)", self._ssid, "saved address" if self.join == "static" else "DHCP")

    async def up(self, timeout_ms=30000):
        w = self._wlan
        if w.isconnected():
            return
        self.start()
        waited = 0
        while not w.isconnected():
            if self.join == "static" and time.ticks_diff(time.ticks_ms(), self._t0) >= _FAST_MS:
                self._to_dhcp("no link in %d ms" % _FAST_MS)
            if waited >= timeout_ms:
                status = w.status()
                raise OSError("wifi: " + _STATUS.get(status, "not connected (status %d)" % status))
            await asyncio.sleep_ms(20)
            waited += 20
        if self.join_ms is None:
            self.join_ms = time.ticks_diff(time.ticks_ms(), self._t0)
        try:
            self.channel = w.config("channel")
        except Exception:
            self.channel = 0
        if self.join == "dhcp":
            self._lease = w.ifconfig()
            self.remember()
        log.info("connected, address %s (%s, %d ms)", self.ip(), self.join, self.join_ms)
