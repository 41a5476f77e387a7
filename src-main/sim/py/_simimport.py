# Virtual board: `import` finds what it would find on the ESP32 port, and fails where it fails.
# https://docs.micropython.org/en/latest/reference/packages.html (sys.path, ".frozen")
# The module list is the one of the stubs generated from real ESP32_GENERIC firmware
# (../shared/esp32-stubs/v*/firmware_stubs.json). Three differences of the wasm build are undone:
# - its frozen extras (functools, datetime, js, ...) do not exist on the port: only a file on the
#   board can provide such a module, and that file is then what loads, as on the port;
# - asyncio (and ssl since 1.23, a Python module over `tls`) are frozen on the port, so they come
#   through the ".frozen" entry of sys.path: firmware that removes it cannot import them. The
#   simulator's own copies are held back until an import reaches ".frozen";
# - its Python extensions of built-in modules (collections.defaultdict, binascii.a2b_hex, io.SEEK_SET)
#   give way to the built-ins, which is what the port has.
# Installed as builtins.__import__, the hook MicroPython calls for every import statement.
import builtins
import sys
import _simos
from _simver import since

_FROZEN = ".frozen"
_WASM_ONLY = {"abc", "base64", "copy", "datetime", "fnmatch", "functools", "gzip", "hmac", "html", "inspect",
              "itertools", "js", "jsffi", "locale", "operator", "pathlib", "stat", "string", "tarfile", "types",
              "unittest", "uu", "zlib"}
# The 1.22 stub lists logging and no vfs (added in 1.23); the 1.27 stub has vfs and no logging.
_WASM_ONLY.add("logging" if since(23) else "vfs")
_mods = sys.modules
_orig = builtins.__import__
_held = {}  # top-level name -> {module name: module} of its group, until an import reaches ".frozen"
_hidden = [None]  # index of ".frozen" while a file is loaded with it taken out of sys.path


def install(asyncio_group):
    """Called last by _simboot.setup(): asyncio_group maps module names to the patched modules."""
    import machine, ssl  # noqa: E401

    for name in list(_mods):
        top = name.split(".", 1)[0]
        if top in _WASM_ONLY or name in ("os.path", "collections.defaultdict"):
            del _mods[name]  # loaded by the shims or the wasm asyncio; the shims keep their references
    _hold(asyncio_group)
    if since(23):
        _hold({"ssl": ssl})
    else:
        _mods["ussl"] = ssl  # a built-in module until 1.22, so it had its u-alias
    _mods["umachine"] = machine
    for name in ("collections", "binascii", "io"):
        _mods[name] = _orig("u" + name)  # the built-in, without the wasm build's frozen extension
    builtins.__import__ = _import


def _hold(group):
    for name in group:
        _mods.pop(name, None)
        _held[name.split(".", 1)[0]] = group  # asyncio and uasyncio come back together


def _import(name, globals=None, locals=None, fromlist=None, level=0):
    if _hidden[0] is not None:
        return _nested(name, globals, locals, fromlist, level)
    if level or name in _mods:
        return _orig(name, globals, locals, fromlist, level)
    top = name.split(".", 1)[0]
    group = _held.get(top)
    if group is None and top not in _WASM_ONLY:
        return _orig(name, globals, locals, fromlist, level)
    for entry in sys.path:  # the port's search order: a file before ".frozen" wins
        if entry == _FROZEN:
            if group is not None:
                _mods.update(group)
                for t in [t for t, g in _held.items() if g is group]:
                    del _held[t]
                return _orig(name, globals, locals, fromlist, level)
        elif _file(entry, top):
            return _without_frozen(name, globals, locals, fromlist, level)
    raise ImportError("no module named '%s'" % name)


def _file(entry, top):
    base = entry + "/" + top if entry else top
    for p in (base + ".py", base + ".mpy", base):
        try:
            _simos.stat(p)
            return True
        except OSError:
            pass
    return False


def _without_frozen(name, globals, locals, fromlist, level):
    # The interpreter would look in ".frozen" (its own copy) before a later path entry.
    path = sys.path
    if _FROZEN not in path:
        return _orig(name, globals, locals, fromlist, level)
    i = path.index(_FROZEN)
    del path[i]
    _hidden[0] = i
    try:
        return _orig(name, globals, locals, fromlist, level)
    finally:
        _hidden[0] = None
        path.insert(i, _FROZEN)


def _nested(name, globals, locals, fromlist, level):
    # An import made while that file loads sees the real sys.path again.
    i = _hidden[0]
    path = sys.path
    path.insert(i, _FROZEN)
    _hidden[0] = None
    try:
        return _import(name, globals, locals, fromlist, level)
    finally:
        del path[i]
        _hidden[0] = i
