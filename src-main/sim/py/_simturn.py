# Virtual board: the host turn budget under the enforced heap (docs/virtual-board.md, "Heap").
# The wasm build collects garbage only between calls from JavaScript (ports/webassembly/main.c:
# it cannot scan its own stack), and the asyncio loop runs every ready task in one such call: a
# burst of socket data (an OTA) piles up garbage until MemoryError. Once a turn has allocated more
# than _TURN_ALLOC, a task reading or draining a stream, or yielding with sleep_ms(0), gives up the
# rest of the turn (parked, queued again first in the next one) so the collector can run. On an
# ESP32 the GC collects as it goes: the budget keeps the firmware from getting a MemoryError the
# board would not raise. (A free-heap floor does not do: the free heap is partly small holes, and
# a 1.4 KB read failed with 24 KB "free".)
import asyncio.core as _core
from micropython import const
import _simgc

_mem_free = _simgc._gc.mem_free  # the interpreter's own figure (garbage of this turn included)
_TURN_ALLOC = const(16 * 1024)
_turn_free = [0]  # the free heap when this turn began (just collected)
_parked = []  # tasks waiting for the next host turn


class _Park:
    # What a parked task's `data` is, as for any waiting task: Task.cancel() calls remove().
    def remove(self, task):
        if task in _parked:
            _parked.remove(task)


_PARK = _Park()


def begin():
    """A host turn begins (the previous one's garbage collected): note the free heap, queue the
    parked tasks again."""
    if _simgc._enforced:
        _turn_free[0] = _mem_free()
    while _parked:
        _core._task_queue.push(_parked.pop(0))


def free_at_begin():
    return _turn_free[0]


def parked():
    return len(_parked)


def next_turn():
    t = _core.cur_task
    t.data = _PARK
    _parked.append(t)
    yield


def spent():
    return _simgc._enforced and _turn_free[0] - _mem_free() > _TURN_ALLOC


_sleep_ms = _core.sleep_ms


def sleep_ms(t, *sgen):
    # asyncio.sleep_ms (installed by _simboot): sleep_ms(0), the yield of a task that reads
    # sockets in bursts without waiting (the firmware's MQTT reader), ends a spent turn.
    if t <= 0 and spent():
        return next_turn()
    return _sleep_ms(t, *sgen)


async def if_spent():
    if spent():
        await next_turn()
