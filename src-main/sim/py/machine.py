# Virtual board: the subset of MicroPython's `machine` module (ESP32 port) the firmware uses.
# https://docs.micropython.org/en/latest/library/machine.html
# Resets end this interpreter (its worker thread); the host restarts it with the right cause.
import _simhost as _h
import binascii
from micropython import const

# Reset causes, with the ESP32 port's values (machine.reset_cause()).
PWRON_RESET = const(1)
HARD_RESET = const(2)
WDT_RESET = const(3)
DEEPSLEEP_RESET = const(4)
SOFT_RESET = const(5)

# GPIOs that exist on an ESP32 (WROOM/WROVER); 34-39 are input only.
_GPIOS = (0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39)
_RTC_MEM_MAX = const(2048)


def reset():
    _h.reset(HARD_RESET)


_forced = [False]  # the port's pyexec_system_exit == PYEXEC_FORCED_EXIT


def soft_reset():
    # As the port (ports/esp32/modmachine.c): marks the exit as forced and raises SystemExit. The
    # soft reset happens only when that reaches the top level (top_exit); code that catches it
    # goes on running.
    _forced[0] = True
    raise SystemExit


def top_exit():
    # SystemExit reached the top level (boot.py, main.py, the asyncio loop, a probe: _simboot,
    # _simstream.run_loop). pyexec returns pyexec_system_exit (shared/runtime/pyexec.c), and
    # ports/esp32/main.c soft-resets only for PYEXEC_FORCED_EXIT; after sys.exit() the script
    # just ends (the port's serial REPL would take over).
    if _forced[0]:
        _h.reset(SOFT_RESET)


def reset_cause():
    return _h.reset_cause()


def deepsleep(time_ms=0):
    _h.deepsleep(time_ms)


def unique_id():
    return binascii.unhexlify(_h.unique_id())


def freq(hz=None):
    if hz is None:
        return _h.cpu_freq(0)
    if hz not in (20_000_000, 40_000_000, 80_000_000, 160_000_000, 240_000_000):
        raise ValueError("frequency must be 20MHz, 40MHz, 80Mhz, 160MHz or 240MHz")
    _h.cpu_freq(hz)


def idle():
    pass


class RTC:
    # https://docs.micropython.org/en/latest/library/machine.RTC.html: datetime() and init() take
    # (year, month, day, weekday, hours, minutes, seconds, subseconds); on the ESP32 port the
    # subseconds are microseconds and the weekday is ignored when setting (ports/esp32/machine_rtc.c).
    def __init__(self, id=0):
        pass

    def datetime(self, dt=None):
        import _simtime

        if dt is None:
            ms = int(_h.clock_ms())
            tm = _simtime.gmtime(ms // 1000 - 946684800)
            return (tm[0], tm[1], tm[2], tm[6], tm[3], tm[4], tm[5], (ms % 1000) * 1000)
        if len(dt) < 7:
            raise ValueError("requested length 8 but object has length %d" % len(dt))
        us = dt[7] if len(dt) > 7 else 0
        _simtime._set(_simtime.mktime((dt[0], dt[1], dt[2], dt[4], dt[5], dt[6], 0, 0)), us)

    def init(self, dt):
        self.datetime(dt)

    def memory(self, data=None):
        if data is None:
            return binascii.unhexlify(_h.rtc_read())
        if len(data) > _RTC_MEM_MAX:
            raise ValueError("buffer too long")
        _h.rtc_write(binascii.hexlify(data).decode())


class WDT:
    # On the ESP32 port a second WDT(timeout=...) reconfigures the running watchdog;
    # it can never be stopped.
    def __init__(self, id=0, timeout=5000):
        if timeout < 1000:
            raise ValueError("WDT timeout too short")
        _h.wdt_arm(timeout)

    def feed(self):
        _h.wdt_feed()


# What each Timer id runs: (timer, callback). Only this list keeps them alive while the host may
# queue them (it queues their addresses: worker/scheduler-bridge.ts), so stop before dropping.
_timer_cbs = [None, None, None, None]


def _run_pending():
    # The host queued a timer callback while no Python code ran: the VM runs one queued callback
    # at each backward jump of whatever runs next, this loop included.
    for _ in range(8):
        pass


class Timer:
    # The ESP32 port has 4 hardware timers (ids 0-3) whose callbacks always run through the
    # scheduler ("hard Timers are not implemented"): queued from outside the interpreter and run
    # between two bytecodes of whatever runs, a busy loop included. Here the host queues them.
    # https://docs.micropython.org/en/latest/library/machine.Timer.html
    ONE_SHOT = const(0)
    PERIODIC = const(1)

    def __init__(self, id, *args, **kwargs):
        if not isinstance(id, int) or not 0 <= id < 4:
            raise ValueError("invalid Timer number")
        self._id = id
        if args or kwargs:
            self.init(*args, **kwargs)

    def init(self, *, mode=PERIODIC, period=-1, callback=None, freq=None, tick_hz=1000, hard=False):
        if hard:
            raise ValueError("hard Timers are not implemented")
        ms = 1000 / freq if freq else period * 1000 / tick_hz
        self.deinit()  # first: the host must not queue the previous callback once it is dropped
        if callback is None:
            return
        _timer_cbs[self._id] = (self, callback)
        why = _h.timer_start(self._id, max(1, int(ms)), mode == Timer.PERIODIC, id(callback), id(self))
        if why:
            _timer_cbs[self._id] = None
            raise OSError(why)

    def deinit(self):
        _h.timer_stop(self._id)
        _timer_cbs[self._id] = None

    def __repr__(self):
        return "Timer(%d)" % self._id


class Pin:
    IN = const(1)
    OUT = const(3)
    OPEN_DRAIN = const(7)
    PULL_UP = const(2)
    PULL_DOWN = const(1)
    IRQ_RISING = const(1)
    IRQ_FALLING = const(2)

    def __init__(self, id, mode=-1, pull=-1, *, value=None):
        if id not in _GPIOS:
            raise ValueError("invalid pin")
        self._id = id
        self._mode = None
        self.init(mode, pull, value=value)

    def init(self, mode=-1, pull=-1, *, value=None):
        if mode != -1:
            if mode in (Pin.OUT, Pin.OPEN_DRAIN) and self._id >= 34:
                raise ValueError("pin can only be input")
            self._mode = mode
        if value is not None:
            self.value(value)

    def value(self, x=None):
        if x is None:
            return _h.pin_get(self._id)
        _h.pin_set(self._id, 1 if x else 0)

    def __call__(self, x=None):
        return self.value(x)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def __repr__(self):
        return "Pin(%d)" % self._id
