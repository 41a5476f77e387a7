# Virtual board: esp32.Partition, for OTA updates, with ESP-IDF rollback semantics.
# https://docs.micropython.org/en/latest/library/esp32.html#flash-partitions
# App partitions are host files holding ESP-IDF app images; the boot decision (otadata,
# pending-verify, rollback, invalid-image fallback) is made by the host's bootloader model.
import _simhost as _h
import vfs
from micropython import const

_partfs = vfs.VfsPosix("/simpart")
_ERASED = b"\xff" * 4096
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
            raise ValueError("partition not found")
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
                mv[n : n + k] = _ERASED[:k]
                n += k

    def writeblocks(self, block_num, buf, offset=None):
        pos = block_num * self._bs + (offset or 0)
        if pos + len(buf) > self._size:
            raise OSError(22)
        e = self._file()
        f, end = e
        if end < pos:
            end = f.seek(0, 2)  # the size is known: only a write beyond it asks the host again
            while end < pos:  # never-written flash between the file's end and pos is erased
                k = min(pos - end, 4096)
                f.write(_ERASED[:k])
                end += k
            e[1] = end
        f.seek(pos)
        if offset is None:
            # Plain form: erase the blocks first, then program them.
            f.write(buf)
            tail = (-len(buf)) % self._bs
            if tail:
                f.write(_ERASED[:tail])
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
            self.writeblocks(arg, _ERASED[: self._bs])
            return 0
        return 0 if cmd in (1, 2, 3) else None

    def set_boot(self):
        _check(_h.part_set_boot(self._label))

    def get_next_update(self):
        return Partition(_h.part_next_update())

    @staticmethod
    def mark_app_valid_cancel_rollback():
        _check(_h.part_mark_valid())
