# Logging for the board, compatible with the core of CPython's `logging` API (getLogger,
# debug/info/warning/error/critical/exception, levels): apps can `import mqb_log as logging`.
# Each line is printed on the console (ANSI colors) and published to <prefix>/log in the
# original MQBoard line format: "<L> <time> <logger:8>: <text>", L one of C E W I D.
# Lines wait in a bounded buffer until MQTT is connected (larger at boot); when it is full the
# lowest severities are dropped first. Logging never blocks the caller.
# Published lines are also kept for the `logs` command (docs/protocol.md): the first `boot_log`
# bytes of this boot and a ring of the last `ring` bytes, each line numbered from 1 per boot, so
# a console that connects late fetches what it missed. The kept lines are the very objects that
# were published: no copy.
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
_cfg = {"console": DEBUG, "mqtt": DEBUG, "run_console": INFO, "run_mqtt": INFO, "buffer": 4096, "run_buffer": 2048,
        "ring": 1536, "boot_log": 1024}
_buf = []  # [level, line bytes], oldest first
_bytes = 0
_dropped = 0
_kept = ([], [])  # published (seq, line bytes): the boot log, then the ring
_kept_bytes = [0, 0]
_seq = 0
_boot_id = None
_wake = None
_loggers = {}


def configure(console=None, mqtt=None, boot_console=None, boot_mqtt=None, boot_buffer=None, run_buffer=None,
              ring=None, boot_log=None):
    for k, v in (("run_console", console), ("run_mqtt", mqtt), ("console", boot_console), ("mqtt", boot_mqtt),
                 ("buffer", boot_buffer), ("run_buffer", run_buffer), ("ring", ring), ("boot_log", boot_log)):
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


def _keep(data):
    """Numbers a published line and keeps it: in the boot log while it has room, else in the ring."""
    global _seq
    _seq += 1
    n = len(data)
    i = 0 if _kept_bytes[0] + n <= _cfg["boot_log"] and len(_kept[1]) == 0 else 1
    _kept[i].append((_seq, data))
    _kept_bytes[i] += n
    ring = _kept[1]
    while _kept_bytes[1] > _cfg["ring"] and ring:
        _kept_bytes[1] -= len(ring.pop(0)[1])


def boot_id():
    """A random number per boot: line numbers restart at each boot, so the console needs both."""
    global _boot_id
    if _boot_id is None:
        import os

        _boot_id = int.from_bytes(os.urandom(4), "little") & 0x3FFFFFFF
    return _boot_id


def kept(since=0):
    """The kept lines numbered above `since`, oldest first, as (seq, line bytes)."""
    return [e for e in _kept[0] if e[0] > since] + [e for e in _kept[1] if e[0] > since]


async def logs_cmd(cmds, cid, tail, seq, last, payload):
    """`logs` command: payload "" or "<boot> <seq>" (only newer lines of that boot)."""
    import json

    since = 0
    words = bytes(payload).split()
    if len(words) == 2 and int(words[0]) == boot_id():
        since = int(words[1])
    lines = [[n, d.decode()] for n, d in kept(since)]
    await cmds.reply(cid, json.dumps({"boot": boot_id(), "seq": _seq, "lines": lines}).encode())


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
            _keep(data)
