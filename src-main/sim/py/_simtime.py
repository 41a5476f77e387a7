# Virtual board: `time` as the ESP32 port has it (https://docs.micropython.org/en/latest/library/time.html).
# The port's epoch is 2000-01-01 (ports/esp32/mpconfigport.h leaves MICROPY_EPOCH_IS_1970 off), its
# time() is an integer, localtime() is gmtime() (no time zone), and the clock is the RTC: it reads
# 2000-01-01 after power-on until the firmware sets it. The wasm build's own time module counts
# from 1970 on the host's clock; this shim keeps its ticks and sleeps and moves the calendar.
import _simhost as _h
from micropython import const

_t = __import__("time")  # the interpreter's own module (sys.modules["time"] is replaced later)
_EPOCH = const(946684800)  # 2000-01-01 in Unix seconds

sleep = _t.sleep
sleep_ms = _t.sleep_ms
sleep_us = _t.sleep_us
ticks_us = _t.ticks_us
ticks_cpu = _t.ticks_cpu
ticks_add = _t.ticks_add
ticks_diff = _t.ticks_diff
# The port's ticks_ms wraps at 2^30 ms (MICROPY_PY_TIME_TICKS_PERIOD, extmod/modtime.c: the small-int
# range of a 32-bit port), as the wasm build's does; it reads the ms since boot. ticksAtStart starts
# it elsewhere (near the wrap) to test code that runs for days.
_TICKS_MAX = const(0x3FFFFFFF)  # TICKS_PERIOD - 1
_T0 = int(_h.ticks_start()) & _TICKS_MAX
if _T0:
    _tms = _t.ticks_ms

    def ticks_ms():
        return (_tms() + _T0) & _TICKS_MAX

else:
    ticks_ms = _t.ticks_ms


def time():
    return int(_h.clock_ms()) // 1000 - _EPOCH


def time_ns():
    return (int(_h.clock_ms()) - _EPOCH * 1000) * 1000000


def gmtime(secs=None):
    if secs is None:
        secs = time()
    return _t.gmtime(int(secs) + _EPOCH)


localtime = gmtime


def mktime(tm):
    return _t.mktime(tm) - _EPOCH


def _set(secs_since_2000, us=0):
    """Sets the RTC (machine.RTC().datetime() calls it)."""
    _h.clock_set_ms(str((secs_since_2000 + _EPOCH) * 1000 + us // 1000))
