# Virtual board: the part of the ESP32 port's `socket` module (ports/esp32/modsocket.c, lwIP) that
# the simulator has: getaddrinfo and non-blocking UDP (what an SNTP client needs).
# https://docs.micropython.org/en/latest/library/socket.html
# TCP goes through asyncio.open_connection (py/_simstream.py); blocking socket I/O is not
# simulated: a recv() in blocking mode raises instead of waiting (the worker cannot receive while
# Python runs), so the simulator is stricter here than a board, never kinder.
import _simhost as _h
import binascii
import errno
from micropython import const

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
TCP_NODELAY = const(1)


def _ipv4(host):
    parts = host.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        if not p.isdigit() or int(p) > 255:
            return False
    return True


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    # The simulator has no DNS server of its own: IP literals and localhost resolve, other names
    # fail as an ESP32 without a reachable DNS server does.
    if host == "localhost":
        host = "127.0.0.1"
    if not _ipv4(host):
        raise OSError(-202, "getaddrinfo failed")
    return [(AF_INET, type or SOCK_STREAM, proto, "", (host, port))]


class socket:
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        if af != AF_INET:
            raise OSError(errno.EAFNOSUPPORT)
        if type != SOCK_DGRAM:
            raise OSError(95, "virtual board: TCP sockets are only simulated through asyncio.open_connection")
        self._id = _h.udp_open()
        self._timeout = None  # blocking, as a new lwIP socket

    def settimeout(self, t):
        self._timeout = t

    def setblocking(self, flag):
        self._timeout = None if flag else 0

    def setsockopt(self, level, opt, value):
        pass

    def sendto(self, data, addr):
        self._open()
        r = _h.udp_send(self._id, binascii.hexlify(data).decode(), addr[0], addr[1])
        if r:
            code, _, msg = r.partition("|")
            raise OSError(int(code), msg)
        return len(data)

    def recvfrom(self, n):
        self._open()
        r = _h.udp_recv(self._id)
        if not r:
            if self._timeout == 0:
                raise OSError(errno.EAGAIN)
            raise OSError(95, "virtual board: blocking socket I/O is not simulated; use setblocking(False)")
        data, ip, port = r.split("|")
        return binascii.unhexlify(data)[:n], (ip, int(port))

    def recv(self, n):
        return self.recvfrom(n)[0]

    def close(self):
        if self._id:
            _h.udp_close(self._id)
            self._id = 0

    def _open(self):
        if not self._id:
            raise OSError(errno.EBADF)
