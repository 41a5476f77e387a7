# Virtual board: the `socket` module of the ESP32 port (ports/esp32/modsocket.c, lwIP).
# https://docs.micropython.org/en/latest/library/socket.html
# The names are those of ../shared/esp32-stubs/v1.22.0 and v1.27.0/socket.pyi. The sockets are
# held by the host, so calls block as on the port: a blocking connect/recv/send waits (for
# settimeout() seconds at most, then OSError(ETIMEDOUT)), a non-blocking one raises EAGAIN or
# EINPROGRESS; select.poll() works on them (ioctl). Not simulated: IPv6, raw sockets and server
# sockets (listen/accept raise OSError(EOPNOTSUPP)). Errno values are the simulator's (Linux) ones.
import _simhost as _h
import errno
import io
import vfs
from micropython import const
from _simver import since

AF_INET = const(2)
AF_INET6 = const(10)
SOCK_STREAM = const(1)
SOCK_DGRAM = const(2)
SOCK_RAW = const(3)
IPPROTO_IP = const(0)
IPPROTO_TCP = const(6)
IPPROTO_UDP = const(17)
SOL_SOCKET = const(4095)
SO_REUSEADDR = const(4)
SO_BROADCAST = const(32)
SO_BINDTODEVICE = const(4107)
IP_ADD_MEMBERSHIP = const(3)
if since(23):  # in the 1.27 stub, not in the 1.22 one (TCP_NODELAY: ports/esp32/modsocket.c, 1.23)
    TCP_NODELAY = 1
    MSG_PEEK = 1
    MSG_DONTWAIT = 8

_chan = vfs.VfsPosix("/simsock").open("/chan", "r+b")  # payloads, see worker/sim-sock-client.ts
_POLL, _CLOSE = const(3), const(4)  # MP_STREAM_POLL, MP_STREAM_CLOSE
_EAFNOSUPPORT = const(97)  # not in MicroPython's errno module
_fds = [54]  # lwIP numbers its sockets from LWIP_SOCKET_OFFSET


def _ipv4(host):
    parts = host.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        if not p.isdigit() or int(p) > 255:
            return False
    return True


_lookups = [0]  # names looked up since boot (IP literals and localhost are not): read by tests


def _resolve(host):
    # As the port's getaddrinfo (ports/esp32/modsocket.c, lwip_getaddrinfo): an IP literal is
    # parsed at once, a name is a DNS query that blocks the whole interpreter, every asyncio task
    # included, until the answer (VirtualBoardOptions.dns: the names a board finds and how long a
    # lookup takes). None: not found.
    if host == "localhost":
        return "127.0.0.1"
    if _ipv4(host):
        return host
    _lookups[0] += 1
    return _h.dns_lookup(host) or None


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    # The simulator has no DNS server: a name not in the board's DNS table fails as on an ESP32
    # without a reachable DNS server.
    ip = _resolve(host)
    if ip is None:
        raise OSError(-202, "getaddrinfo failed")
    return [(AF_INET, type or SOCK_STREAM, proto, "", (ip, port))]


def _check(r):
    if r < 0:
        raise OSError(-r)
    return r


class socket(io.IOBase):
    # io.IOBase gives select.poll() a way in (ioctl); the port's socket is a stream object too.
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        if af != AF_INET:
            raise OSError(_EAFNOSUPPORT)
        if type not in (SOCK_STREAM, SOCK_DGRAM):
            raise OSError(errno.EOPNOTSUPP)
        self._id = _check(_h.sock_call("open", 0, 1 if type == SOCK_STREAM else 2, 0, "", 0))
        self._type = type
        self._wait = -1  # ms a call may block: -1 without limit (a new lwIP socket), 0 non-blocking
        self._peer = None
        self._fd = _fds[0]
        _fds[0] += 1

    def _do(self, op, arg=0, flags=0, host="", port=0):
        if not self._id:
            raise OSError(errno.EBADF)
        return _check(_h.sock_call(op, self._id, arg, flags, host, port))

    def _send(self, data, wait, op="send", host="", port=0):
        # One send through the channel: a count, or None when nothing fitted (non-blocking).
        if not self._id:
            raise OSError(errno.EBADF)
        _h.sock_arm(op, self._id, wait, 0, host, port)
        return _chan.write(data)

    def _recv(self, buf, wait, flags=0):
        # One receive into buf: a count (0 at the end of the stream), None when nothing is there.
        if not self._id:
            raise OSError(errno.EBADF)
        _h.sock_arm("recv", self._id, wait, flags, "", 0)
        return _chan.readinto(buf)

    def fileno(self):
        return self._fd

    def settimeout(self, value):
        self._wait = -1 if value is None else max(1, int(value * 1000)) if value > 0 else 0

    def setblocking(self, flag):
        self._wait = -1 if flag else 0

    def setsockopt(self, level, optname, value):
        # As the port: the option decides, the level is not checked.
        if not self._id:
            raise OSError(errno.EBADF)
        if optname == 1 and since(23):  # TCP_NODELAY: Nagle's algorithm off
            if self._type == SOCK_STREAM:
                self._do("nodelay", 1 if value else 0)
        elif optname not in (SO_REUSEADDR, SO_BROADCAST, SO_BINDTODEVICE, IP_ADD_MEMBERSHIP):
            print("Warning: lwip.setsockopt() option not implemented")

    def connect(self, address):
        # As the port, a name is resolved here; a blocking connect honours settimeout().
        self._peer = getaddrinfo(address[0], address[1])[0][-1]
        self._do("connect", self._wait, 0, self._peer[0], self._peer[1])

    def bind(self, address):
        getaddrinfo(address[0], address[1])
        self._do("bind")

    def listen(self, backlog=0):
        raise OSError(errno.EOPNOTSUPP)  # no server sockets: nothing could reach the board

    def accept(self):
        raise OSError(errno.EOPNOTSUPP)

    def send(self, bytes):
        n = self._send(bytes, self._wait)
        if n is None:
            raise OSError(errno.EAGAIN)
        if self._wait != 0 and n < len(bytes):  # a blocking send gives everything to lwIP
            return n + self.sendall(memoryview(bytes)[n:])
        return n

    def sendall(self, bytes):
        mv = memoryview(bytes)
        sent = 0
        while sent < len(mv):
            n = self._send(mv[sent:], self._wait)
            if n is None:
                raise OSError(errno.EAGAIN)
            sent += n
        return sent

    def write(self, buf):
        # A stream write: all of it when blocking; non-blocking, what fitted (None: nothing).
        if self._wait == 0:
            return self._send(buf, 0)
        return self.sendall(buf)

    def sendto(self, bytes, address):
        if self._type == SOCK_STREAM:
            return self.send(bytes)  # lwIP ignores the address of a connected TCP socket
        host, port = getaddrinfo(address[0], address[1])[0][-1]
        n = self._send(bytes, self._wait, "sendto", host, port)
        if n is None:
            raise OSError(errno.EAGAIN)
        return n

    def recv(self, bufsize, *flags):
        if flags and not since(23):
            raise TypeError("function takes 2 positional arguments but 3 were given")
        f = flags[0] if flags else 0
        buf = bytearray(bufsize)
        n = self._recv(buf, 0 if f & 8 else self._wait, f & 1)
        if n is None:
            raise OSError(errno.EAGAIN)
        return bytes(buf) if n == bufsize else bytes(memoryview(buf)[:n])

    def recvfrom(self, bufsize):
        data = self.recv(bufsize)
        if self._type == SOCK_STREAM:
            return data, self._peer
        ip, port = _h.sock_from().split("|")
        return data, (ip, int(port))

    def readinto(self, buf, nbytes=-1):
        # A stream read (py/stream.c): blocking, until buf is full or the stream ends;
        # non-blocking, what has arrived (None: nothing).
        mv = memoryview(buf)[: nbytes if nbytes >= 0 else len(buf)]
        got = 0
        while got < len(mv):
            n = self._recv(mv[got:], self._wait)
            if n is None:
                return got or None
            if n == 0:
                break
            got += n
        return got

    def read(self, size=-1):
        if size >= 0:
            buf = bytearray(size)
            n = self.readinto(buf)
            return None if n is None else bytes(memoryview(buf)[:n])
        parts = []
        while True:
            b = self.read(256)
            if not b:
                return b"".join(parts) if parts or b is not None else None
            parts.append(b)

    def readline(self):
        line = bytearray()
        peek = bytearray(128)
        while True:
            n = self._recv(peek, self._wait, 1)  # look first: take the bytes up to the newline only
            if not n:
                return bytes(line)
            end = bytes(memoryview(peek)[:n]).find(b"\n")
            k = n if end < 0 else end + 1
            self._recv(memoryview(peek)[:k], 0)
            line += memoryview(peek)[:k]
            if end >= 0:
                return bytes(line)

    def makefile(self, mode="rb", buffering=0):
        return self  # as the port: the socket is its own stream

    def ioctl(self, req, arg):
        if req == _POLL:
            return self._do("poll", arg) if self._id else 32  # POLLNVAL
        if req == _CLOSE:
            self.close()
        return 0

    def close(self):
        if self._id:
            _h.sock_call("close", self._id, 0, 0, "", 0)
            self._id = 0
