# MQBoard boot: decides normal vs safe mode from RTC memory before anything else is imported,
# arms the hardware watchdog, and points sys.path (and the working directory, hence which
# main.py runs) at the normal files or at the separate /safemode copy.
# RTC memory (16 bytes): 0-3 magic, 4-7 boots since power-on, 8 consecutive boots that never
# reached "all OK", 9 request for the next boot (n/s), 10 safe-mode reason of this boot,
# 11 mode of this boot (N/S), 12 failed-boot limit (written by the framework), 13 reason hint.
import machine
import sys
import os

_rtc = machine.RTC()
_m = bytearray(_rtc.memory())
if len(_m) < 16 or _m[0:4] != b"MQB1":
    _m = bytearray(b"MQB1" + bytes(12))
_boots = int.from_bytes(_m[4:8], "little") + 1
_m[4:8] = _boots.to_bytes(4, "little")
_req = _m[9]
if _req == 110:  # 'n': asked for a normal boot
    _m[8] = 0
_safe = _req == 115 or (_req != 110 and _m[8] >= (_m[12] or 2))  # 's', or too many failed boots
_m[10] = (_m[13] or 3) if _req == 115 else (1 if _safe else 0)  # 1 boot loop, 2 import, 3 asked
_m[8] = min(_m[8] + 1, 255)  # this boot counts as failed until it reaches all OK
_m[9] = 0
_m[11] = 83 if _safe else 78  # 'S' / 'N'
_m[13] = 0
_rtc.memory(_m)
# Long enough for a slow Wi-Fi and broker connection; the framework re-arms it.
machine.WDT(timeout=70000)
if _safe:
    sys.path[:] = ["/safemode/lib", ".frozen", "/"]
    os.chdir("/safemode")
else:
    sys.path[:] = ["", ".frozen", "/lib", "/src"]
del _rtc, _m, _boots, _req, _safe
