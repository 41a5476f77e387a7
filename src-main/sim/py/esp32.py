# Virtual board: the `esp32` module of the ESP32 port (board ESP32_GENERIC, the original chip).
# https://docs.micropython.org/en/latest/library/esp32.html
# The names are those of ../shared/esp32-stubs/v1.22.0 and v1.27.0/esp32.pyi. No mcu_temperature:
# the docs give it to the S2, S3, C3 and C6 only; the original ESP32 has raw_temperature.
# Not simulated (no such peripherals): ULP, RMT, PCNT (1.27).
# Partition: app partitions are host files holding ESP-IDF app images; the boot decision
# (otadata, pending-verify, rollback, invalid-image fallback) is made by the host's bootloader model.
import _simhost as _h
import vfs
from micropython import const
from _simnvs import NVS  # noqa: F401
from _simver import since

WAKEUP_ALL_LOW = False
WAKEUP_ANY_HIGH = True
HEAP_EXEC = const(1)  # MALLOC_CAP_EXEC
HEAP_DATA = const(4)  # MALLOC_CAP_8BIT
_CAP_32BIT = const(2)
_CAP_DMA = const(8)
# ESP32 pins that can wake the chip from deep sleep (RTC GPIOs; ext0 and ext1 need them).
_RTC_PINS = (0, 2, 4, 12, 13, 14, 15, 25, 26, 27, 32, 33, 34, 35, 36, 37, 38, 39)
_wake = {"touch": False, "ext0": None, "ext0_level": False, "ext1": (), "ext1_level": False,
         "gpio": (), "gpio_level": False, "ulp": False, "hold": False}


def raw_temperature():
    # https://docs.micropython.org/en/latest/library/esp32.html#esp32.raw_temperature
    # The original ESP32's sensor reads in degrees Fahrenheit; a chip at work sits near 128
    # (53 degrees C). A constant: nothing heats the virtual chip.
    return 128


def idf_heap_info(capabilities):
    # https://docs.micropython.org/en/latest/library/esp32.html#esp32.idf_heap_info
    # The regions whose capabilities include all of `capabilities`, as 4-tuples (total, free,
    # largest free block, minimum free ever). The data regions are the docs' example after boot;
    # the region holding the MicroPython heap is full, as there; its size is the board's heap.
    # The executable region (IRAM) is illustrative: the docs give no figure.
    gc = __import__("gc")
    dram = HEAP_DATA | _CAP_32BIT | _CAP_DMA
    regions = ((dram, 240, 0, 0, 0), (dram, 7288, 0, 0, 0), (dram, 16648, 4, 4, 4),
               (dram, 79912, 35712, 35512, 35108), (dram, 15072, 15036, 15036, 15036),
               (dram, gc.mem_alloc() + gc.mem_free(), 0, 0, 0), (HEAP_EXEC | _CAP_32BIT, 24576, 17604, 17404, 17604))
    return [r[1:] for r in regions if r[0] & capabilities == capabilities]


def _pin_id(pin):
    if not hasattr(pin, "_id"):
        raise ValueError("expecting a pin")
    return pin._id


def _rtc_pins(pins):
    ids = tuple(_pin_id(p) for p in pins or ())
    for i in ids:
        if i not in _RTC_PINS:
            raise ValueError("invalid pin")
    return ids


# Wake sources: checked and recorded as the port does (ports/esp32/modesp32.c, machine_rtc.c).
# Nothing drives a virtual pin, so no pin ever wakes the board; a deep sleep ends on its timer.
def wake_on_touch(wake):
    if _wake["ext0"] is not None:
        raise ValueError("no resources")  # touch and ext0 share the RTC controller's wake path
    _wake["touch"] = bool(wake)


def wake_on_ext0(pin=_wake, level=_wake):
    if _wake["touch"]:
        raise ValueError("no resources")
    if pin is not _wake:
        _wake["ext0"] = None if pin is None else _rtc_pins((pin,))[0]
    if level is not _wake:
        _wake["ext0_level"] = bool(level)


def wake_on_ext1(pins=_wake, level=_wake):
    if pins is not _wake:
        _wake["ext1"] = _rtc_pins(pins)
    if level is not _wake:
        _wake["ext1_level"] = bool(level)


def wake_on_ulp(wake):
    _wake["ulp"] = bool(wake)


def gpio_deep_sleep_hold(enable):
    _wake["hold"] = bool(enable)


if since(27):  # in the 1.27 stub, not in the 1.22 one

    def wake_on_gpio(pins, level):
        _wake["gpio"] = tuple(_pin_id(p) for p in pins or ())
        _wake["gpio_level"] = bool(level)

_partfs = vfs.VfsPosix("/simpart")
_ERASED = b"\xff" * 4096
# Sliced without a copy: a bytes slice copies, and the wasm build collects only between calls
# from the host, so filling a gap of many erased blocks in one call would run the heap out.
_ERASED_MV = memoryview(_ERASED)
_files = {}  # label -> [open partition file, its size]: opened once, as flash is always there


def _check(result):
    if result:
        code, _, msg = result.partition("|")
        raise OSError(int(code), msg)


class Partition:
    BOOT = const(0)
    RUNNING = const(1)
    TYPE_APP = const(0)
    TYPE_DATA = const(1)

    def __init__(self, id, block_size=4096):
        if id == Partition.BOOT or id == Partition.RUNNING:
            id = _h.part_label(id)
        info = _h.part_info(id)
        if not info:
            raise OSError(2)  # ENOENT, as the port (ports/esp32/esp32_partition.c, make_new)
        self._label = id
        self._info = tuple(int(x) if x.isdigit() else x for x in info.split(","))
        self._size = self._info[3]
        self._bs = block_size

    @staticmethod
    def find(type=TYPE_APP, subtype=0xFF, label=None, block_size=4096):
        found = []
        for name in _h.part_labels().split(","):
            p = Partition(name, block_size)
            if p._info[0] == type and (subtype == 0xFF or p._info[1] == subtype) and (label is None or label == name):
                found.append(p)
        return found

    def info(self):
        return self._info[:5] + (False,)

    def __repr__(self):
        return "<Partition type=%d, subtype=%d, address=%d, size=%d, label=%s, encrypted=0>" % self._info[:5]

    def _file(self):
        # One host file per partition for the board's life: an OTA writes it 4 KB at a time, and
        # opening it for each block would cost more than the write.
        e = _files.get(self._label)
        if e is None:
            f = _partfs.open("/" + self._label + ".bin", "r+b")
            e = _files[self._label] = [f, f.seek(0, 2)]
        return e

    def readblocks(self, block_num, buf, offset=0):
        pos = block_num * self._bs + offset
        if pos + len(buf) > self._size:
            raise OSError(22)
        f = self._file()[0]
        f.seek(pos)
        n = f.readinto(buf) or 0
        if n < len(buf):  # never written: erased flash reads as 0xFF
            mv = memoryview(buf)
            while n < len(buf):
                k = min(len(buf) - n, 4096)
                mv[n : n + k] = _ERASED_MV[:k]
                n += k

    def writeblocks(self, block_num, buf, offset=None):
        # Without an offset the port erases the range first (esp_partition_erase_range), which
        # takes whole 4096-byte sectors only: ESP_ERR_INVALID_SIZE (0x104) otherwise.
        if offset is None and self._bs >= 4096 and len(buf) % 4096:
            raise OSError(-260, "ESP_ERR_INVALID_SIZE")
        pos = block_num * self._bs + (offset or 0)
        if pos + len(buf) > self._size:
            raise OSError(22)
        e = self._file()
        f, end = e
        if end < pos:
            end = f.seek(0, 2)  # the size is known: only a write beyond it asks the host again
            while end < pos:  # never-written flash between the file's end and pos is erased
                k = min(pos - end, 4096)
                f.write(_ERASED_MV[:k])
                end += k
            e[1] = end
        f.seek(pos)
        if offset is None:
            # Plain form: erase the blocks first, then program them.
            f.write(buf)
            tail = (-len(buf)) % self._bs
            if tail:
                f.write(_ERASED_MV[:tail])
            e[1] = max(end, pos + len(buf) + tail)
        else:
            # Extended form: program without erasing; NOR flash can only clear bits.
            old = bytearray(len(buf))
            self.readblocks(block_num, old, offset)
            for i in range(len(buf)):
                old[i] &= buf[i]
            f.seek(pos)
            f.write(old)
            e[1] = max(end, pos + len(buf))

    def ioctl(self, cmd, arg):
        if cmd == 4:
            return self._size // self._bs
        if cmd == 5:
            return self._bs
        if cmd == 6:
            self.writeblocks(arg, _ERASED_MV[:self._bs])
            return 0
        return 0 if cmd in (1, 2, 3) else None

    def set_boot(self):
        _check(_h.part_set_boot(self._label))

    def get_next_update(self):
        return Partition(_h.part_next_update())

    @staticmethod
    def mark_app_valid_cancel_rollback():
        _check(_h.part_mark_valid())
