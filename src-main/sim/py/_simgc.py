# Virtual board: `gc` with the heap of an ESP32 without PSRAM.
# https://docs.micropython.org/en/latest/library/gc.html
# The interpreter's first heap area is the board's heap plus an allowance for the simulator's own
# shims (on a real board they are C code in flash); it grows only where a board's collector would
# have found room (worker/heap-model.ts). rebase() holds back what the shims left over, so the
# firmware gets exactly the board's heap: mem_free() is the interpreter's own figure, MemoryError
# and fragmentation are real. mem_alloc() leaves out the
# shims. A low collection threshold keeps "allocated" close to "live", and the host samples the
# high-water mark (see the virtual-board docs).
import _simhost as _h
import gc as _gc

enable = _gc.enable
disable = _gc.disable
isenabled = _gc.isenabled
_base = 0
_heap = 110 * 1024
_reserve = None  # the heap beyond the board's: allocated once, never freed
_enforced = False


def collect():
    # Also what the port's socket finaliser does at a collection: sockets nothing refers to any
    # more are closed (_simstream.reap).
    __import__("_simstream").reap()
    return _gc.collect()


def _setup(heap_bytes, threshold):
    global _heap
    _heap = heap_bytes
    _gc.threshold(threshold)


def rebase(enforced):
    # Called by the host right before boot.py, after a call that collected (the wasm build
    # collects only when control returns to JavaScript).
    global _base, _reserve, _enforced
    _enforced = enforced
    spare = _gc.mem_free() - _heap  # uncapped, the wasm build counts 128 MiB it could still add
    if enforced and _reserve is None and spare > 0:
        _reserve = bytearray(spare)
    _base = _gc.mem_alloc()
    return spare


def mem_alloc():
    global _base
    a = _gc.mem_alloc() - _h.heap_blocked()  # the heap model's stand-ins are not the firmware's
    if a < _base:
        # The baseline was taken with some garbage still referenced from the C stack
        # (the collector is conservative): the shims can only be smaller than that.
        _base = a
    used = a - _base
    _h.heap_sample(used)
    return used


def mem_free():
    used = mem_alloc()  # also the heap sample
    # Not enforced, the heap grows: report against the board's size.
    return _gc.mem_free() if _enforced else max(0, _heap - used)


def threshold(amount=None):
    # The firmware may tune it; the simulator keeps its own low threshold so that the
    # high-water mark stays meaningful.
    if amount is None:
        return -1
