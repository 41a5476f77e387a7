# Virtual board start-up: what the ESP32 port's C main() and frozen _boot.py do before boot.py.
# Mounts the flash file system at /, installs the ESP32 module shims, then runs boot.py and
# main.py the way pyexec_file_if_exists does (main.py only when boot.py succeeded).
import sys
import os
import vfs
import gc
import asyncio
import _simhost as _h

main_task = None


def _install_modules():
    import machine, esp32, network, ssl, _simos, _simgc, _simstream, _simturn, _simtime, socket, _simsys, _simimport  # noqa: F401
    import _simmicropython

    sys.modules["sys"] = _simsys.sys
    sys.modules["usys"] = _simsys.sys
    sys.modules["os"] = _simos
    sys.modules["uos"] = _simos
    sys.modules["gc"] = _simgc
    sys.modules["time"] = _simtime
    sys.modules["utime"] = _simtime
    sys.modules["usocket"] = socket
    sys.modules["micropython"] = _simmicropython
    asyncio.open_connection = _simstream.open_connection
    asyncio.StreamReader = _simstream.Stream
    asyncio.StreamWriter = _simstream.Stream
    asyncio.Stream = _simstream.Stream
    asyncio.run = _run
    import asyncio.core as core

    asyncio.sleep_ms = core.sleep_ms = _simturn.sleep_ms  # core.sleep() calls it too (turn budget)
    asyncio.ThreadSafeFlag = _ThreadSafeFlag
    # The wasm asyncio's loop is the Loop class itself: plain functions, no self.
    loop = asyncio.get_event_loop()
    loop.run_forever = lambda: None
    loop.run_until_complete = _run
    loop.stop = lambda: None


def _run(coro):
    # asyncio on the virtual board is driven by the host's event loop: run() schedules the
    # coroutine and returns at once (on hardware it would never return). Keep asyncio.run()
    # the last statement of main.py.
    global main_task
    main_task = asyncio.create_task(coro)
    return None


class _ThreadSafeFlag:
    def __init__(self):
        self._ev = asyncio.Event()

    def set(self):
        self._ev.set()

    def clear(self):
        self._ev.clear()

    async def wait(self):
        await self._ev.wait()
        self._ev.clear()


def _fast_scheduler():
    # The wasm asyncio resumes its run loop with setTimeout(…, 0), which Node never fires in
    # under ~1 ms: every await on the host (socket data, drain) would cost a millisecond. The
    # host's kick() uses setImmediate for "now" and a timer only for real delays. The task queue
    # keeps the scheduler it was created with, so a fresh loop is made before any task exists.
    import asyncio.core as core
    import _simstream

    _h.set_runner(_simstream.run_loop, _simstream.loop_failed)  # socket wake-ups, then core._run_iter
    core._schedule_run_iter = _h.kick
    core.new_event_loop()


def setup(heap_bytes, gc_threshold):
    _fast_scheduler()
    _install_modules()  # first: after the remount, /simpy is out of reach
    os.umount("/")
    os.mount(vfs.VfsPosix("/flash"), "/")
    os.chdir("/")
    sys.path[:] = ["", ".frozen", "/lib"]
    _install_import()
    sys.modules["_simgc"]._setup(heap_bytes, gc_threshold)


def _install_import():
    # asyncio is frozen on the port: held back until an import reaches ".frozen" (_simimport).
    _simimport = sys.modules["_simimport"]  # loaded with the shims, before /simpy went out of reach
    _simstream = sys.modules["_simstream"]
    group = {n: m for n, m in sys.modules.items() if n == "asyncio" or n.startswith("asyncio.")}
    group["uasyncio"] = asyncio  # the port freezes uasyncio.py, which forwards to asyncio
    group["asyncio.stream"] = _simstream
    for n in ("js", "jsffi"):  # the wasm core's imports, re-exported by `from .core import *`
        if hasattr(asyncio, n):
            delattr(asyncio, n)
    _simimport.install(group)


def run_file(name):
    """Runs a file from flash in __main__'s globals; returns True on success like pyexec."""
    try:
        with open(name) as f:
            src = f.read()
    except OSError:
        return True  # missing file: skipped, counts as success
    g = __import__("__main__").__dict__
    try:
        exec(compile(src, name, "exec"), g)
        return True
    except SystemExit:
        sys.modules["machine"].top_exit()  # machine.soft_reset(): a soft reset
        return False  # sys.exit(): the file ends, and after boot.py main.py is not run (pyexec: 0)
    except BaseException as e:
        sys.print_exception(e)
        return False


async def wait_main():
    """Awaited by the host after main.py: reports how the main task ended, like the REPL would."""
    if main_task is None:
        return
    try:
        await main_task
    except SystemExit:
        sys.modules["machine"].top_exit()
    except BaseException as e:
        sys.print_exception(e)


def probe(code, as_json):
    """Host debug probe (think JTAG, not serial): evaluates code in __main__, returns repr()
    (or JSON). An exception comes back as its traceback after a \x01 (a NUL would end the string
    in the wasm proxy), never raised into JavaScript (see _simstream.run_loop: under a full heap
    that wedges the interpreter)."""
    g = __import__("__main__").__dict__
    try:
        try:
            value = eval(code, g)
        except SyntaxError:
            exec(code, g)
            value = None
        if as_json:
            import json

            return json.dumps(value)
        return repr(value)
    except SystemExit:
        sys.modules["machine"].top_exit()  # a probe is top-level code, as a line at the REPL
        return "\x01SystemExit"
    except BaseException as e:  # noqa: B036 - nothing may reach JavaScript
        try:
            import io

            out = io.StringIO()
            sys.print_exception(e, out)
            return "\x01" + out.getvalue().rstrip("\n")
        except BaseException:  # noqa: B036 - no heap to describe it
            return "\x01MemoryError"
