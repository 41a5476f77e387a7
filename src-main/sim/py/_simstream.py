# Virtual board: asyncio streams over the host's sockets.
# Mirrors the API of MicroPython's asyncio.open_connection / Stream (extmod/asyncio/stream.py on
# an ESP32 build): https://docs.micropython.org/en/latest/library/asyncio.html#tcp-stream-connections
# Bytes move through the /simnet/<id> character device: readinto() copies straight into the
# caller's buffer, no per-chunk conversion between JavaScript and Python objects.
# Waiting never awaits a JavaScript promise: that would hand JavaScript two Python callbacks per
# wait, which stay on the heap until the worker's JavaScript GC finalizes them (in practice never).
# A task that must wait arms its socket (net_arm) and waits on the connection's own Event; when the
# socket changes (data, EOF, error, drain, connect) the host queues its id and runs the loop, and
# run_loop() sets that Event. Only numbers cross, nothing survives a wait.
import _simhost as _h
import asyncio
import asyncio.core as _core
import errno
import socket as _socket
import vfs
from micropython import const
from _simver import since
import _simgc
import _simturn as _turn

_netfs = vfs.VfsPosix("/simnet")
_events = {}  # socket id -> the Event its waiting tasks wait on
_run_iter = _core._run_iter
_LOOP_OK, _LOOP_FAILED, _LOOP_AGAIN = const(0), const(1), const(2)
_failure = [None, 0]  # the exception that ended the loop, the free heap when its turn began


def run_loop():
    """The host's entry into the asyncio loop: wakes the tasks whose socket changed, then runs.
    Returns a number only: no Python exception may cross into JavaScript. The wasm build formats
    an escaping exception after its handler is gone (ports/webassembly/proxy_c.c,
    proxy_c_to_js_call), and a MemoryError while doing so never returns (nlr_jump_fail spins):
    the board would hang with nothing logged. An exception that ends the loop is kept for
    loop_failed(), as one escaping asyncio.run() on the port ends it."""
    try:
        _turn.begin()
        sid = _h.net_ready()
        while sid:
            ev = _events.get(sid)
            if ev is not None:
                ev.set()
            sid = _h.net_ready()
        _run_iter()
        return _LOOP_AGAIN if _turn.parked() else _LOOP_OK
    except SystemExit:
        # Raised in a task, it leaves the loop (extmod/asyncio/core.py catches only
        # CancelledError and Exception) and asyncio.run() with it: the top level. After
        # sys.exit() the loop is over, as asyncio.run() returned: nothing to print.
        __import__("machine").top_exit()
        _failure[0] = None
        return _LOOP_FAILED
    except BaseException as e:  # noqa: B036 - nothing may reach JavaScript, see above
        _failure[0] = e
        _failure[1] = _turn.free_at_begin()
        return _LOOP_FAILED


def loop_failed():
    # Called by the host in a later turn (the heap collected): what pyexec prints when
    # asyncio.run() in main.py ends with an exception. The loop does not run again.
    try:
        import sys

        e = _failure[0]
        if e is None:
            return 0
        sys.print_exception(e)
        if isinstance(e, MemoryError) and _simgc._enforced:
            # Live data or this turn's garbage: what was free once the previous turn's was collected.
            print("asyncio loop ended by MemoryError; %d bytes were free when its turn began" % _failure[1])
    except BaseException:  # noqa: B036 - see run_loop
        pass
    return 0


def _raise(result):
    code, _, msg = result.partition("|")
    raise OSError(int(code), msg)


async def _wait(sid, ev):
    # Cleared before arming: a wake-up for an earlier wait must not end this one.
    ev.clear()
    _h.net_arm(sid)
    await ev.wait()


_ENFILE = const(23)  # lwIP's socket table is full (not in MicroPython's errno module)
# The largest out_buf any stream has held since boot: what bursts cost on the heap (tests read it).
out_peak = [0]


class _Socket:
    # The non-blocking socket MicroPython's Stream keeps in `s`: readinto() gives None when nothing
    # is there, write() takes what lwIP's send buffer has room for (None: nothing) (the device
    # file's own methods, no extra call, but for the turn budget below).
    def __init__(self, f, close):
        self._readinto = f.readinto
        # The device file's own readinto when the heap grows freely (no turn budget to keep).
        self.readinto = self._budgeted if _simgc._enforced else f.readinto
        self.write = f.write
        self.close = close  # idempotent, as the port's socket.close(); what wait_closed() calls

    def _budgeted(self, buf, *n):
        # Firmware that reads the socket itself while data keeps coming never yields (the MQTT
        # reader): once the host turn is spent (_simturn) the socket reads as not ready
        # yet, as a non-blocking socket may, and the caller's wait in the stream ends the turn.
        if _turn.spent():
            return None
        return self._readinto(buf, *n)


class _TcpSocket(_Socket):
    def __init__(self, f, close, sid):
        super().__init__(f, close)
        self._sid = sid

    def setsockopt(self, level, opt, value):
        # As the ESP32 port (ports/esp32/modsocket.c): the option decides, the level is not
        # checked. TCP_NODELAY (1) turns Nagle's algorithm off; lwIP starts with it on. An
        # SSLSocket (TLS) has no setsockopt at all. TCP_NODELAY is there since 1.23.
        if opt == 1 and since(23):
            _h.net_nodelay(self._sid, 1 if value else 0)
        elif opt not in (4, 0x20):  # SO_REUSEADDR, SO_BROADCAST: accepted, nothing to do here
            print("Warning: lwip.setsockopt() option not implemented")


class Stream:
    def __init__(self, sid, ev, extra, tls):
        self._sid = sid
        self._ev = ev
        self._f = _netfs.open("/%d" % sid, "r+b")
        self.s = _Socket(self._f, self._close) if tls else _TcpSocket(self._f, self._close, sid)
        self.e = extra
        self.out_buf = b""  # what the send buffer did not take, as the port's Stream
        self._closed = False
        self._waiting = [False, False]  # a task waits to read / to write

    def get_extra_info(self, v):
        return self.e[v]

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await self.aclose()

    async def _await(self, d):
        # extmod/asyncio/core.py (IOQueue._enqueue) holds one task per direction per socket and
        # asserts it: a second reader (or writer) of the same stream is an AssertionError there.
        w = self._waiting
        assert not w[d]
        w[d] = True
        try:
            await _wait(self._sid, self._ev)
        finally:
            w[d] = False

    async def readinto(self, buf):
        await _turn.if_spent()
        while True:
            n = self._f.readinto(buf)
            if n is not None:
                return n
            await self._await(0)

    async def read(self, n=-1):
        if n < 0:
            parts = []
            while True:
                b = await self.read(4096)
                if not b:
                    return b"".join(parts)
                parts.append(b)
        await _turn.if_spent()
        while True:
            b = self._f.read(n)
            if b is not None:
                return b
            await self._await(0)

    async def readexactly(self, n):
        buf = bytearray(n)
        mv = memoryview(buf)
        got = 0
        while got < n:
            k = await self.readinto(mv[got:])
            if not k:
                raise EOFError
            got += k
        return bytes(buf)

    async def readline(self):
        line = bytearray()
        one = bytearray(1)
        while True:
            k = await self.readinto(one)
            if not k:
                return bytes(line)
            line.append(one[0])
            if one[0] == 10:
                return bytes(line)

    def write(self, buf):
        # As the port (extmod/asyncio/stream.py): one try at the socket, whose send buffer takes
        # what fits (lwIP's TCP_SND_BUF, 5744 bytes); the rest is kept in out_buf on the heap.
        if self._closed:
            raise OSError(errno.EBADF)
        if not self.out_buf:
            ret = self._f.write(buf)
            if ret == len(buf):
                return
            if ret is not None:
                buf = buf[ret:]
        self.out_buf += buf
        if len(self.out_buf) > out_peak[0]:
            out_peak[0] = len(self.out_buf)

    async def drain(self):
        # As the port: always yields; sends out_buf as the send buffer makes room, each write
        # after a wait for POLLOUT (a broken connection raises from the write).
        if not self.out_buf:
            await asyncio.sleep_ms(0)  # ends a spent turn (_simturn.sleep_ms)
            return
        mv = memoryview(self.out_buf)
        off = 0
        while off < len(mv):
            if self._closed:
                raise OSError(errno.EBADF)
            if _h.net_writable(self._sid):
                await asyncio.sleep_ms(0)
            else:
                await self._await(1)
            ret = self._f.write(mv[off:])
            if ret is not None:
                off += ret
        self.out_buf = b""

    async def awrite(self, buf, off=0, sz=-1):
        if off or sz != -1:
            buf = memoryview(buf)[off : (off + sz if sz >= 0 else len(buf))]
        self.write(buf)
        await self.drain()

    async def awritestr(self, s):
        await self.awrite(s.encode())

    def close(self):
        # The port's Stream.close() does nothing (extmod/asyncio/stream.py, 1.22 to 1.27): the
        # socket, its lwIP slot and (TLS) its mbedTLS buffers stay until wait_closed().
        pass

    def _close(self):
        if not self._closed:
            self._closed = True
            try:
                self._f.close()
            except OSError:
                pass
            _h.net_close(self._sid)
            _events.pop(self._sid, None)
            self._ev.set()  # a task waiting on this connection wakes up and finds it closed

    async def wait_closed(self):
        self._close()  # as the port: closes the socket, without yielding

    async def aclose(self):
        self._close()  # the port's aclose is wait_closed


_leaked = []  # sockets of cancelled open_connection calls: open until the next gc.collect()


def reap():
    # The port's socket objects have a finaliser (ports/esp32/modsocket.c: allocated with
    # m_new_obj_with_finaliser, __del__ closes): one nothing refers to any more is closed by the
    # next collection. Called by gc.collect() (_simgc).
    while _leaked:
        _h.net_close(_leaked.pop())


async def open_connection(host, port, ssl=None, server_hostname=None):
    # As the port (extmod/asyncio/stream.py): the name is resolved first by a getaddrinfo that
    # blocks the interpreter; a name not in the board's DNS table is left to the host's resolver
    # (a broker reached by name), after the same lookup time.
    request = ""
    if ssl:
        if ssl is True:
            import ssl as _ssl

            ssl = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
        request = ssl._request(server_hostname or host)
    sid = _h.net_open(_socket._resolve(host) or host, port, request)
    if not sid:
        raise OSError(_ENFILE)  # as the port's socket.socket() when lwIP has no socket left
    ev = _events[sid] = asyncio.Event()
    try:
        result = _h.net_connect_result(sid)
        while result is None:
            await _wait(sid, ev)
            result = _h.net_connect_result(sid)
    except BaseException:
        # Cancelled (a wait_for timeout): on the port the socket is only a local of
        # open_connection, nobody closes it; it keeps its lwIP slot until the GC finalises it.
        _events.pop(sid, None)
        _leaked.append(sid)
        raise
    if result:
        _events.pop(sid, None)
        _h.net_close(sid)
        _raise(result)
    s = Stream(sid, ev, {"peername": (host, port)}, bool(ssl))
    return s, s
