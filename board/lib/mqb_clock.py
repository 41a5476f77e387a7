# The board's wall clock. After power-on an ESP32's RTC reads 2000-01-01, and mbedTLS checks the
# broker certificate's dates against it (the port sets CONFIG_MBEDTLS_HAVE_TIME_DATE), so a board
# must set its clock before its first verified TLS connection. Sources, best first:
#   "rtc"   the RTC kept the time through a reset or deep sleep (no network round trip);
#   "ntp"   SNTP over UDP (non-blocking, so the watchdog and the other tasks keep running);
#   "saved" the last known time, kept in flash, applied when NTP cannot be reached: it only ever
#           moves the clock forwards, so a certificate that was valid stays valid;
#   "unknown" none of them: TLS certificate checks fail until the time is set.
# Every timestamp the board sends goes through unix(): the port's epoch is 2000, Unix time's 1970.
import time
from micropython import const

_VALID = const(1735689600)  # 2025-01-01 (Unix): an RTC before that was never set
_FILE = "/.mqb_time"
_NTP_DELTA = const(2208988800)  # 1900-01-01 (NTP's epoch) to 1970-01-01, in seconds
_SAVE_EVERY = const(3600)  # seconds between writes of the last known time (flash wear)
_EPOCH = 946684800 if time.gmtime(0)[0] == 2000 else 0  # what to add to time.time() for Unix time

source = "unknown"
_saved_at = 0


def unix():
    """Unix time in seconds (int), on every port."""
    return time.time() + _EPOCH


def known():
    return unix() >= _VALID


def _set(unix_s):
    import machine

    tm = time.gmtime(unix_s - _EPOCH)
    machine.RTC().datetime((tm[0], tm[1], tm[2], tm[6], tm[3], tm[4], tm[5], 0))


def _read_saved():
    try:
        with open(_FILE) as f:
            return int(f.read())
    except (OSError, ValueError):
        return 0


def save(force=False):
    """Keeps the current time in flash (at most once an hour unless forced); never backwards."""
    global _saved_at
    now = unix()
    if not known() or (not force and now - _saved_at < _SAVE_EVERY):
        return
    if now > _read_saved():
        try:
            with open(_FILE, "w") as f:
                f.write(str(now))
        except OSError:
            return  # a full flash must not stop the board; the next save tries again
    _saved_at = now


def boot():
    """At start-up, before the network: keeps an RTC that has the time, else the saved time."""
    global source
    if known():
        source = "rtc"
        return
    saved = _read_saved()
    if saved > unix():
        _set(saved)
        source = "saved"


async def sntp(host, port=123, timeout_ms=1500):
    """One SNTP request (RFC 4330); sets the RTC and returns the Unix time, or raises OSError."""
    import asyncio
    import socket

    addr = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0][-1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setblocking(False)
        q = bytearray(48)
        q[0] = 0x23  # version 4, mode 3 (client)
        s.sendto(q, addr)
        waited = 0
        while True:
            try:
                msg = s.recv(48)
                break
            except OSError as e:
                if e.errno != 11:  # EAGAIN: nothing has arrived yet
                    raise
                if waited >= timeout_ms:
                    raise OSError(110, "no answer within %d ms" % timeout_ms)
            await asyncio.sleep_ms(20)
            waited += 20
    finally:
        s.close()
    if len(msg) < 48 or (msg[0] & 7) != 4 or msg[1] == 0:  # not a server reply, or kiss-of-death
        raise OSError(5, "bad NTP reply from %s" % host)
    secs = int.from_bytes(msg[40:44], "big")
    if secs < 0x80000000:
        secs += 0x100000000  # era 1 (after 2036)
    t = secs - _NTP_DELTA
    if t < _VALID:
        raise OSError(5, "implausible NTP time from %s" % host)
    _set(t)
    return t


async def sync(cfg, log):
    """Sets the clock from the configured NTP servers; True when it came from one."""
    global source
    servers = cfg.get("servers", ("pool.ntp.org",))
    for host in servers:
        try:
            await sntp(host, cfg.get("port", 123), cfg.get("timeout_ms", 1500))
            source = "ntp"
            save(True)
            log.info("clock set by NTP (%s): %d", host, unix())
            return True
        except Exception as e:  # DNS, no answer, a bad reply: try the next server
            log.warning("NTP %s: %r", host, e)
    if source == "unknown":
        log.error("clock unknown (no NTP answer, no saved time): TLS certificate checks will fail until it is set")
    elif source == "saved":
        log.warning("clock from the last saved time (NTP unreachable): %d", unix())
    return False
