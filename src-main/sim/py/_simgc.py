# Virtual board: `gc` with the heap of an ESP32 without PSRAM.
# https://docs.micropython.org/en/latest/library/gc.html
# The wasm heap grows without bound, so mem_free()/mem_alloc() are reported against the emulated
# heap size, minus what the simulator's own shims occupy (on a real board they live in flash).
# A low collection threshold keeps "allocated" close to "live", and the host samples the
# high-water mark (see the virtual-board docs).
import _simhost as _h
import gc as _gc

collect = _gc.collect
enable = _gc.enable
disable = _gc.disable
isenabled = _gc.isenabled
_base = 0
_heap = 110 * 1024


def _setup(heap_bytes, threshold):
    global _heap
    _heap = heap_bytes
    _gc.threshold(threshold)
    rebase()


def rebase():
    # Called by the host again right before boot.py, from a shallow stack.
    global _base
    _gc.collect()
    _base = _gc.mem_alloc()


def mem_alloc():
    global _base
    a = _gc.mem_alloc()
    if a < _base:
        # The baseline was taken with some garbage still referenced from the C stack
        # (the collector is conservative): the shims can only be smaller than that.
        _base = a
    used = a - _base
    _h.heap_sample(used)
    return used


def mem_free():
    return max(0, _heap - mem_alloc())


def threshold(amount=None):
    # The firmware may tune it; the simulator keeps its own low threshold so that the
    # high-water mark stays meaningful.
    if amount is None:
        return -1
