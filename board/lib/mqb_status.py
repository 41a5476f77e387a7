# Board status, published retained on <prefix>/mqb/status at every connect and periodically;
# the MQTT last will replaces it with {"online": false, ...} when the board drops off.
import binascii
import gc
import json
import machine
import os
import sys
import time
from micropython import const
import mqb_clock
import mqb_crash
import mqb_state

PROTO = 2  # our protocol version: 1 = the original MQBoard, 2 adds the extensions in docs/protocol.md
CAPS = ["eval", "exec", "get", "put", "ota", "otastat", "ls", "stat", "mkdir", "rm", "rmdir", "mv", "df",
        "reset", "crashlog", "feed", "tty", "logs", "sig", "tags"]
# Messages a sender may stream ahead of the last SEQ (version 1: 16). Uploads are handled one
# message at a time as they are read, so this costs no heap: the messages wait in the broker.
# More in flight keeps the board busy while acknowledgements travel.
WINDOW = 64
_CONFIRMED = "/.mqb_confirmed"
_DESC_LEN = const(176)  # esp_app_desc_t up to the end of app_elf_sha256
_CAUSES = {machine.PWRON_RESET: "power-on", machine.HARD_RESET: "hard", machine.WDT_RESET: "watchdog",
           machine.DEEPSLEEP_RESET: "deepsleep", machine.SOFT_RESET: "soft"}
_fw = None
duty = None  # the board's DutyCycle (mqb_sleep) when it sleeps between wakes


def micropython():
    """MicroPython's version as the code says it ("v1.27.0 on 2025-12-10"), from os.uname() as
    the port has it (the app descriptor's version is empty in a stock build)."""
    try:
        return os.uname().version
    except AttributeError:  # a port without uname
        return "v%d.%d.%d" % sys.implementation.version[:3]


def firmware():
    """(version, project, partition label, bytes of the next OTA slot, app ELF SHA-256 in hex,
    MicroPython version) of the running app.

    Stock builds set CONFIG_APP_EXCLUDE_PROJECT_VER_VAR and CONFIG_APP_EXCLUDE_PROJECT_NAME_VAR
    (ports/esp32/boards/sdkconfig.base): the app descriptor's version and project name are then
    empty, and the version is MicroPython's. What tells images apart is the descriptor's
    app_elf_sha256, which ESP-IDF always fills. The slot size is what the console checks an
    image against before it sends one: it depends on the partition table the board was flashed
    with (stock: 0x180000)."""
    global _fw
    if _fw is None:
        mp = micropython()
        tag = mp.split(" ", 1)[0]
        try:
            from esp32 import Partition

            p = Partition(Partition.RUNNING)
            d = bytearray(_DESC_LEN)
            p.readblocks(0, d, 32)  # esp_app_desc_t starts at byte 32 of the image
            text = lambda b: bytes(b).split(b"\0", 1)[0].decode()  # noqa: E731
            if d[0:4] == b"\x32\x54\xcd\xab":
                ver, project, sha = text(d[16:48]), text(d[48:80]), binascii.hexlify(bytes(d[144:176])).decode()
            else:
                ver, project, sha = "", "", ""
            _fw = (ver or tag, project, p.info()[4], p.get_next_update().info()[3], sha, mp)
        except Exception:
            _fw = (tag, "micropython", "", None, "", mp)
    return _fw


_up_ms = 0  # ms since boot, a big int past 2^30
_up_last = None


def uptime():
    """Seconds since boot, right after months: ticks_diff only spans +-2^29 ms (6.2 days), so the
    deltas between calls (every status, minutes apart) add up here instead."""
    global _up_ms, _up_last
    now = time.ticks_ms()
    if _up_last is None:
        _up_ms = now  # the first read: ticks_ms counts from boot, not wrapped yet
    else:
        _up_ms += time.ticks_diff(now, _up_last)
    _up_last = now
    return _up_ms // 1000


def pending_verify():
    """True while a newly installed firmware has not been confirmed by a healthy boot."""
    label = firmware()[2]
    try:
        with open(_CONFIRMED) as f:
            return f.read() != label
    except OSError:
        confirm()  # first boot with MQBoard: what runs now was installed by cable
        return False


def confirm():
    with open(_CONFIRMED, "w") as f:
        f.write(firmware()[2])


def reset_cause():
    return _CAUSES.get(machine.reset_cause(), "unknown")


def offline(prefix):
    fw = firmware()
    return json.dumps({"online": False, "prefix": prefix, "fw": fw[0], "partition": fw[2], "ota_slot": fw[3],
                       "proto": PROTO})


def _tags():
    """The board's tags (mqb_tags); a board without any never imports that module (1.4 KB)."""
    m = sys.modules.get("mqb_tags")
    if m is None:
        if not hasattr(sys.modules.get("board_config"), "tags"):
            try:
                os.stat("/tags.json")  # set from the console
            except OSError:
                return None
        import mqb_tags as m
    return m.current()


def build(prefix, started_ms, wifi=None, modules=None, extra=None):
    fw = firmware()
    s = {
        "online": True, "prefix": prefix, "fw": fw[0], "project": fw[1], "partition": fw[2], "ota_slot": fw[3],
        "app_sha": fw[4], "micropython": fw[5],
        "pending_verify": pending_verify(), "safe_mode": mqb_state.safe_mode(), "safe_reason": mqb_state.safe_reason(),
        "reset_cause": reset_cause(), "boots": mqb_state.boot_count(), "failed_boots": mqb_state.failed_boots(),
        "crashes": mqb_crash.count(), "uptime": uptime(),
        "mem_free": gc.mem_free(), "ip": wifi.ip() if wifi else None, "rssi": wifi.rssi() if wifi else None,
        "modules": modules or {}, "proto": PROTO, "caps": CAPS, "window": WINDOW,
        "clock": mqb_clock.source, "t": mqb_clock.unix(),
    }
    if wifi is not None and hasattr(wifi, "info"):
        s["wifi"] = wifi.info()
    sg = getattr(sys.modules.get("board_config"), "signing", None)
    if sg:  # which keys it trusts (ids only) and whether it refuses unsigned updates (mqb_sign)
        s["signing"] = {"require": bool(sg.get("require")), "keys": list(sg.get("keys", {}))}
    tags = _tags()
    if tags:  # absent when none: the status stays small
        s["tags"] = tags
    if duty is not None:
        s["sleep"] = duty.info()
        s["caps"] = CAPS + ["awake"]
    if extra:
        s.update(extra)
    return json.dumps(s)
