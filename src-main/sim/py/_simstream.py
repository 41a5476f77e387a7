# Virtual board: asyncio streams over the host's sockets.
# Mirrors the API of MicroPython's asyncio.open_connection / Stream (extmod/asyncio/stream.py on
# an ESP32 build): https://docs.micropython.org/en/latest/library/asyncio.html#tcp-stream-connections
# Bytes move through the /simnet/<id> character device: readinto() copies straight into the
# caller's buffer, no per-chunk conversion between JavaScript and Python objects.
import _simhost as _h
import errno
import vfs

_netfs = vfs.VfsPosix("/simnet")


def _raise(result):
    code, _, msg = result.partition("|")
    raise OSError(int(code), msg)


class Stream:
    def __init__(self, sid, extra):
        self._sid = sid
        self._f = _netfs.open("/%d" % sid, "r+b")
        # MicroPython's Stream keeps its non-blocking socket in `s`: readinto() gives None when
        # nothing is there, write() sends at once. The device file behaves the same way.
        self.s = self._f
        self.e = extra
        self._closed = False

    def get_extra_info(self, v):
        return self.e[v]

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        await self.aclose()

    async def readinto(self, buf):
        while True:
            n = self._f.readinto(buf)
            if n is not None:
                return n
            await _h.net_wait(self._sid)

    async def read(self, n=-1):
        if n < 0:
            parts = []
            while True:
                b = await self.read(4096)
                if not b:
                    return b"".join(parts)
                parts.append(b)
        while True:
            b = self._f.read(n)
            if b is not None:
                return b
            await _h.net_wait(self._sid)

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
        if self._closed:
            raise OSError(errno.ENOTCONN)
        self._f.write(buf)

    async def drain(self):
        if _h.net_must_drain(self._sid):  # only wait when the send buffer is full or broken
            r = await _h.net_drain(self._sid)
            if r:
                _raise(r)

    async def awrite(self, buf, off=0, sz=-1):
        if off or sz != -1:
            buf = memoryview(buf)[off : (off + sz if sz >= 0 else len(buf))]
        self.write(buf)
        await self.drain()

    async def awritestr(self, s):
        await self.awrite(s.encode())

    def close(self):
        if not self._closed:
            self._closed = True
            try:
                self._f.close()
            except OSError:
                pass
            _h.net_close(self._sid)

    async def wait_closed(self):
        self.close()

    async def aclose(self):
        self.close()


async def open_connection(host, port, ssl=None, server_hostname=None):
    request = ""
    if ssl:
        if ssl is True:
            import ssl as _ssl

            ssl = _ssl.SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
        request = ssl._request(server_hostname or host)
    sid = _h.net_open(host, port, request)
    result = await _h.net_connected(sid)
    if result:
        _h.net_close(sid)
        _raise(result)
    s = Stream(sid, {"peername": (host, port)})
    return s, s
