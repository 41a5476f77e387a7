# Logging for the board, compatible with the core of CPython's `logging` API (getLogger,
# debug/info/warning/error/critical/exception, levels): apps can `import mqb_log as logging`.
# Each line is printed on the console (ANSI colors) and published to <prefix>/log in the
# original MQBoard line format: "<L> <time> <logger:8>: <text>", L one of C E W I D.
# Lines wait in a bounded buffer until MQTT is connected (larger at boot); when it is full the
# lowest severities are dropped first. Logging never blocks the caller.
import time
import mqb_clock
import sys
from micropython import const

CRITICAL = const(50)
ERROR = const(40)
WARNING = const(30)
INFO = const(20)
DEBUG = const(10)

_LETTER = {CRITICAL: "C", ERROR: "E", WARNING: "W", INFO: "I", DEBUG: "D"}
_COLOR = {CRITICAL: "\x1b[35;1m", ERROR: "\x1b[31;1m", WARNING: "\x1b[33;1m", INFO: "\x1b[32m", DEBUG: "\x1b[2m"}

# Boot vs running thresholds and buffer sizes; see configure().
_cfg = {"console": DEBUG, "mqtt": DEBUG, "run_console": INFO, "run_mqtt": INFO, "buffer": 4096, "run_buffer": 2048}
_buf = []  # [level, line bytes], oldest first
_bytes = 0
_dropped = 0
_wake = None
_loggers = {}


def configure(console=None, mqtt=None, boot_console=None, boot_mqtt=None, boot_buffer=None, run_buffer=None):
    for k, v in (("run_console", console), ("run_mqtt", mqtt), ("console", boot_console), ("mqtt", boot_mqtt),
                 ("buffer", boot_buffer), ("run_buffer", run_buffer)):
        if v is not None:
            _cfg[k] = v


def running():
    """The boot phase is over (the board is healthy): use the running levels and buffer size."""
    _cfg["console"] = _cfg["run_console"]
    _cfg["mqtt"] = _cfg["run_mqtt"]
    _cfg["buffer"] = _cfg["run_buffer"]
    _trim()


def stats():
    return {"buffered": len(_buf), "bytes": _bytes, "dropped": _dropped}


def _stamp():
    if not mqb_clock.known():
        return str(time.ticks_ms())
    t = time.gmtime(time.time())
    return "%02d:%02d:%02d.%03d" % (t[3], t[4], t[5], time.ticks_ms() % 1000)


def _trim():
    global _bytes, _dropped
    while _bytes > _cfg["buffer"] and _buf:
        low = min(e[0] for e in _buf)
        for i, e in enumerate(_buf):
            if e[0] == low:
                _bytes -= len(e[1])
                del _buf[i]
                _dropped += 1
                break


def _emit(level, name, msg, args):
    global _bytes
    try:
        text = msg % args if args else str(msg)
    except Exception:
        text = "%s %r" % (msg, args)
    line = "%s %s %8s: %s" % (_LETTER.get(level, "I"), _stamp(), name, text)
    if level >= _cfg["console"]:
        print(_COLOR.get(level, "") + line + "\x1b[0m")
    if level >= _cfg["mqtt"]:
        data = line.encode()
        _buf.append([level, data])
        _bytes += len(data)
        _trim()
        if _wake:
            _wake.set()


class Logger:
    def __init__(self, name):
        self.name = name
        self.level = DEBUG

    def setLevel(self, level):
        self.level = level

    def isEnabledFor(self, level):
        return level >= self.level

    def log(self, level, msg, *args):
        if level >= self.level:
            _emit(level, self.name, msg, args)

    def debug(self, msg, *args):
        self.log(DEBUG, msg, *args)

    def info(self, msg, *args):
        self.log(INFO, msg, *args)

    def warning(self, msg, *args):
        self.log(WARNING, msg, *args)

    warn = warning

    def error(self, msg, *args):
        self.log(ERROR, msg, *args)

    def critical(self, msg, *args):
        self.log(CRITICAL, msg, *args)

    def exc(self, e, msg, *args):
        """Logs msg at ERROR, then the traceback of e, line by line."""
        self.log(ERROR, msg, *args)
        import io

        s = io.StringIO()
        sys.print_exception(e, s)
        for line in s.getvalue().rstrip().split("\n"):
            self.log(ERROR, "%s", line)

    def exception(self, msg, *args, exc_info=None):
        e = exc_info if isinstance(exc_info, BaseException) else None
        if e is None:
            self.log(ERROR, msg, *args)
        else:
            self.exc(e, msg, *args)


def getLogger(name="root"):
    lg = _loggers.get(name)
    if lg is None:
        lg = _loggers[name] = Logger(name)
    return lg


async def pump(mqtt, topic):
    """Publishes buffered lines while connected; run it as a task (the launcher does)."""
    global _wake, _bytes, _dropped
    import asyncio

    _wake = asyncio.Event()
    while True:
        if not _buf:
            _wake.clear()
            await _wake.wait()
        await mqtt.wait_connected()
        if _dropped:
            n, _dropped = _dropped, 0
            _emit(WARNING, "log", "%d log lines were dropped while the buffer was full", (n,))
        while _buf and mqtt.connected:
            level, data = _buf.pop(0)
            _bytes -= len(data)
            await mqtt.publish(topic, data, qos=0)
