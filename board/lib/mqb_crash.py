# Crash log kept in flash: a bounded ring of records (uncaught exceptions in tasks, module starts
# and main, watchdog resets), written before any reset and published (retained) on
# <prefix>/mqb/crash at every connect until a command clears it.
import json
import os
import sys
import mqb_clock
from micropython import const

FILE = "/crash.log"
_MAX = const(4096)  # bytes kept in flash
_TRACE = const(1200)  # longest traceback kept per record


def _traceback(e):
    import io

    s = io.StringIO()
    sys.print_exception(e, s)
    return s.getvalue()[-_TRACE:]


def _boot():
    try:
        import mqb_state

        return mqb_state.boot_count()
    except Exception:
        return 0


def records():
    try:
        with open(FILE) as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        return []


def record(exc, where):
    """Appends a record; exc is an exception or a text. Never raises: it runs while failing."""
    try:
        rec = {"t": mqb_clock.unix(), "boot": _boot(), "where": where}
        if isinstance(exc, BaseException):
            rec["exc"] = _traceback(exc)
        else:
            rec["exc"] = str(exc)
        lines = [json.dumps(r) for r in records()] + [json.dumps(rec)]
        while len(lines) > 1 and sum(len(l) + 1 for l in lines) > _MAX:
            lines.pop(0)  # the ring: oldest records go first
        tmp = FILE + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(tmp, FILE)  # a power cut leaves the old log or the new one, never half
    except Exception as e:
        print("crash log write failed:", repr(e))


def count():
    return len(records())


def clear():
    try:
        os.remove(FILE)
    except OSError:
        pass


async def publish(mqtt, prefix):
    recs = records()
    # An empty retained message removes the retained crash record from the broker.
    await mqtt.publish(prefix + "/mqb/crash", json.dumps(recs) if recs else b"", retain=True, qos=1)
