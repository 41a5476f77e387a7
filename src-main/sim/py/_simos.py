# Virtual board: `os` as the ESP32 port has it.
# https://docs.micropython.org/en/latest/library/os.html
# Starts from the interpreter's own os, hides what an ESP32 lacks (VfsPosix, and the wasm build's
# os.path and sep, which the port's os has neither of: ../shared/esp32-stubs/v1.22.0/os.pyi), and
# adds what the wasm build lacks: uname(), urandom() and dupterm() (terminal output duplicated to a
# stream). ilistdir() gives the port's 4-tuples.
import _simhost as _h
import os as _os
from _simsys import MACHINE, BUILD_DATE

for _n in dir(_os):
    if not _n.startswith("__") and _n not in ("VfsPosix", "path", "sep", "ilistdir"):
        globals()[_n] = getattr(_os, _n)
del _n

_dupterms = [None]  # one slot, as the port


class _Uname:
    sysname = "esp32"
    nodename = "esp32"

    def __init__(self):
        # As the port (ports/esp32/modos.c / extmod/modos.c): release is MICROPY_VERSION_STRING,
        # version is "<git tag> on <build date>", both compiled into the code, not read from the
        # app descriptor (empty in a stock build): the release the booted image's code is.
        self.release = _h.mp_release()
        self.version = "%s on %s" % (_h.mp_tag(), BUILD_DATE)
        self.machine = MACHINE

    def __getitem__(self, i):
        return (self.sysname, self.nodename, self.release, self.version, self.machine)[i]

    def __repr__(self):
        return "(sysname='%s', nodename='%s', release='%s', version='%s', machine='%s')" % (
            self.sysname, self.nodename, self.release, self.version, self.machine)


def uname():
    return _Uname()


def ilistdir(dir="."):
    # https://docs.micropython.org/en/latest/library/os.html#os.ilistdir
    # The port's flash file system (LittleFS, extmod/vfs_lfsx.c) gives (name, type, inode, size):
    # inode 0, size in bytes for a file, 0 for a directory. The wasm VfsPosix gives 3-tuples.
    base = dir if dir.endswith("/") else dir + "/"
    for e in _os.ilistdir(dir):
        kind = e[1]
        size = 0
        if kind != 0x4000:
            try:
                st = _os.stat(base + e[0])
                kind, size = st[0] & 0xF000, st[6]
            except OSError:
                pass
        yield (e[0], kind, 0, size if kind == 0x8000 else 0)


def urandom(n):
    import random

    return bytes(random.getrandbits(8) for _ in range(n))


def _flush(text):
    # Called by the host after every write to the terminal while a stream is attached. As the port
    # (extmod/os_dupterm.c, mp_os_dupterm_tx_strn / mp_os_deactivate): a stream whose write()
    # raises is detached, the message and the exception are printed, and the stream is closed.
    s = _dupterms[0]
    if s is None:
        return
    try:
        s.write(text.encode())
    except Exception as e:
        _dupterms[0] = None
        _h.dupterm(None)
        print("dupterm: Exception in write() method, deactivating: ", end="")
        import sys

        sys.print_exception(e)
        try:
            s.close()
        except Exception:
            pass


def dupterm(stream_object, index=0):
    # The ESP32 port has one slot (ports/esp32/mpconfigport.h: MICROPY_PY_OS_DUPTERM (1));
    # another index raises as extmod/os_dupterm.c does.
    if index != 0:
        raise ValueError("invalid dupterm index")
    prev = _dupterms[0]
    _dupterms[0] = stream_object
    _h.dupterm(_flush if stream_object is not None else None)
    return prev


def dupterm_notify(obj_in):
    # As the ESP32 port (extmod/os_dupterm.c): read what the attached streams have, one byte at a
    # time; the interrupt character (micropython.kbd_intr) schedules KeyboardInterrupt. Other
    # input would go to the serial REPL's input buffer, which the virtual board does not have.
    # The scheduling call comes last, so the exception is raised in the caller's code, as there.
    _h.kbd_char(_read_terminals())


def _read_terminals():
    b = bytearray(1)
    for s in _dupterms:
        while s is not None:
            try:
                n = s.readinto(b)
            except Exception:
                break
            if not n:
                break
            if b[0] == 3:
                return 3
    return -1


def sync():
    pass


def _relative(p):
    # Relative to the working directory, which the VFS hands to the host unchanged.
    if not p.startswith("/"):
        return p
    depth = len([x for x in _os.getcwd().split("/") if x])
    return "../" * depth + p.lstrip("/")


def rename(old_path, new_path):
    # The wasm build's VfsPosix formats both paths in one shared buffer when they are absolute,
    # so the rename sees the new path twice and fails with ENOENT. ESP32's file systems have no
    # such bug: give the interpreter relative paths.
    _os.rename(_relative(old_path), _relative(new_path))
