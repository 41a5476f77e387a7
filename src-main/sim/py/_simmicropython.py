# Virtual board: `micropython` as the interpreter has it, except that schedule() takes the lock the
# host takes when it queues a machine.Timer callback (worker/scheduler-bridge.ts): two writers
# adding to the scheduler queue at once would both take the same slot.
# https://docs.micropython.org/en/latest/library/micropython.html#micropython.schedule
import micropython as _m
import _simhost as _h

for _n in dir(_m):
    if not _n.startswith("__"):
        globals()[_n] = getattr(_m, _n)
del _n


def schedule(func, arg):
    _h.sched_hold(1)
    try:  # nothing branches between taking the lock and the try: a Ctrl-C cannot leave it taken
        return _m.schedule(func, arg)
    finally:
        _h.sched_hold(0)
