# Virtual board: `sys` as the ESP32 port reports it (https://docs.micropython.org/en/latest/library/sys.html).
# The wasm build says platform 'webassembly' and _machine 'JS with Emscripten': firmware that checks
# them would take its non-ESP32 path. Everything else is the interpreter's own sys, reached through
# this object, so sys.path, sys.modules, sys.exit, print_exception and the streams are the real
# ones, and `sys.path = [...]` (assignable on MicroPython, as on the port) rebinds the real path.
import sys as _sys
from _simver import version, since

# MICROPY_HW_BOARD_NAME " with " MICROPY_HW_MCU_NAME of board ESP32_GENERIC (what os.uname() says).
MACHINE = "Generic ESP32 module with ESP32"
_XTENSAWIN = 10  # MP_NATIVE_ARCH_XTENSAWIN: .mpy files with native code must be built for it
# Build date from the interpreter's own banner: '3.4.0; MicroPython v1.27.0 on 2025-12-10'.
BUILD_DATE = _sys.version.split(" on ")[-1]


class _Implementation:
    # An attrtuple on the port: attributes, indexing and this repr.
    # https://docs.micropython.org/en/latest/library/sys.html#sys.implementation
    def __init__(self):
        # .mpy format 6.2 until 1.22, 6.3 since 1.23 (firmware_stubs.json: 'mpy' of both stubs);
        # _mpy = version | (sub-version | arch << 2) << 8, as py/persistentcode.h encodes it.
        fields = [("name", "micropython"), ("version", version + ("",)), ("_machine", MACHINE),
                  ("_mpy", 6 | ((3 if since(23) else 2) | _XTENSAWIN << 2) << 8)]
        if since(25):
            fields.append(("_build", "ESP32_GENERIC"))  # added in 1.25: board[-variant]
        if since(26):
            fields.append(("_thread", "GIL"))  # added in 1.26: the ESP32 port has _thread with the GIL
        self._fields = fields
        for k, v in fields:
            setattr(self, k, v)

    def __getitem__(self, i):
        return self._fields[i][1]

    def __len__(self):
        return len(self._fields)

    def __repr__(self):
        return "(" + ", ".join("%s=%r" % kv for kv in self._fields) + ")"


class _Sys:
    platform = "esp32"
    implementation = _Implementation()
    version = "3.4.0; MicroPython v%d.%d.%d on %s" % (version + (BUILD_DATE,))

    def __getattr__(self, name):
        return getattr(_sys, name)

    def __setattr__(self, name, value):
        # The real module decides: path, argv, ps1, ps2 are assignable, platform is not.
        setattr(_sys, name, value)

    def __repr__(self):
        return "<module 'sys'>"


sys = _Sys()
