# Virtual board: which MicroPython release the board presents (the booted app image's version,
# src-main/sim/mp-version.ts). The shims ask since() for facts that changed between releases; the
# thresholds are MicroPython's (docs.micropython.org, each shim cites its page), checked at both
# ends against the stubs generated from real ESP32 firmware (../shared/esp32-stubs, 1.22.0 and 1.27.0).
import _simhost as _h

version = tuple(int(x) for x in _h.mp_version().split("."))


def since(minor):
    """True when the board's release is 1.<minor> or later."""
    return version >= (1, minor)
