# MQTT 3.1.1 client for MicroPython asyncio, built for streaming (firmware upgrades over MQTT).
# - QoS 0 and 1; QoS 1 publishes are pipelined (up to `window` in flight) and survive reconnects:
#   unacknowledged messages are resent first, in order, with their packet id and DUP (3.1.1
#   sections 4.4 and 4.6). wait_all_acked() waits for the window to drain.
# - Incoming QoS 1 messages are acknowledged after their handler ran (the PUBACKs of a burst go
#   out together: with our next packet, before the reader waits for data, or 16 at a time: a
#   TCP segment per message would cost a Wi-Fi frame each); redelivered duplicates
#   (DUP set, same packet id, topic and payload seen recently) are acknowledged without running
#   the handler again. The content is part of the check: a broker may reuse a packet id as soon
#   as it got our PUBACK, and a new message must never be taken for an old one.
# - Reconnects with exponential backoff after any failure; keepalive pings; will; TLS.
# - Bounded memory: one receive buffer (handlers get a memoryview valid during the call),
#   a fixed window of unacknowledged messages, oversized messages skipped.
# - Code that runs while the event loop cannot (a REPL statement) can still publish and look at
#   what arrived: publish_sync() and poll_sync(), which never wait. Bytes they read from the socket
#   go to a pushback buffer the reader task consumes first, so the stream stays intact. A Ctrl-C
#   (KeyboardInterrupt) may be raised at any branch of that code: each change of state that must
#   not be torn is made without a branch in between (one write per packet, counters updated on
#   the line that moves the bytes).
import asyncio
import errno
import gc
import socket
import time
from binascii import crc32
from micropython import const
import mqb_log

log = mqb_log.getLogger("mqtt")

_CONNECT = const(0x10)
_PUBLISH = const(0x30)
_PUBACK = const(0x40)
_SUBSCRIBE = const(0x82)
_SUBACK = const(0x90)
_PINGREQ = const(0xC0)
_PINGRESP = const(0xD0)
_DUP = const(0x08)
_RECENT = const(32)
_PUSHBACK = const(2048)  # bytes poll_sync() may hold for the reader task, plus one reader chunk
_RX_CHUNK = const(1024)  # the reader task's reads after a wait; what poll_sync() leaves room for
_TOPIC_MAX = const(768)  # longest topic accepted in a PUBLISH (a signed put's carries a ~350-character signature)
_ACKS = const(16)  # PUBACKs queued at most, at the start of the send buffer
_SLICE_MS = const(20)  # the reader yields to other tasks at least this often during a burst
_TX = const(384)  # queued PUBACKs and a PUBLISH that fits go in one write (a SEQ reply, a log line)
_IPPROTO_TCP = const(6)  # lwIP's values, as the ESP32 port's socket module has them
_TCP_NODELAY = const(1)
_RESOLVE_AGAIN = const(3)  # failed connects to the address kept before the name is looked up again
_CONNACK_TEXT = ("", "bad protocol version", "client id rejected", "server unavailable",
                 "bad user name or password", "not authorized")


class MQTTError(OSError):
    pass


def topic_matches(flt, topic):
    if "+" not in flt and "#" not in flt:
        return flt == topic
    f = flt.split("/")
    t = topic.split("/")
    for i, part in enumerate(f):
        if part == "#":
            return True
        if i >= len(t) or (part != "+" and part != t[i]):
            return False
    return len(f) == len(t)


def _prefix(flt):
    # What a topic starts with when it matches `flt`, for the filters that need no splitting
    # ("a/b/#", "#"); None for the others.
    if "+" in flt:
        return None
    if flt == "#":
        return ""
    return flt[:-1] if flt.endswith("/#") else None


def _nodelay(stream):
    # lwIP has Nagle's algorithm on by default: a PUBACK or a short reply written while an earlier
    # segment is unacknowledged would wait for its ACK (up to the broker's delayed-ACK time, 40 ms
    # on Linux). The ESP32 port has setsockopt(IPPROTO_TCP, TCP_NODELAY) since MicroPython 1.23
    # (ports/esp32/modsocket.c; 1.22 prints a warning instead). Over TLS the stream's socket is an
    # SSLSocket without setsockopt: Nagle stays on there.
    import sys

    if sys.implementation.version < (1, 23):
        return
    try:
        stream.s.setsockopt(_IPPROTO_TCP, _TCP_NODELAY, 1)
    except (AttributeError, OSError) as e:
        log.info("TCP_NODELAY not set: %r", e)


def _close(w):
    # Stream.close() does nothing on the port (extmod/asyncio/stream.py, 1.22 to 1.27): only
    # wait_closed() closes the socket, by closing Stream.s without yielding. Until then a dropped
    # connection keeps one of lwIP's 10 sockets and, over TLS, tens of KB of mbedTLS buffers.
    # Closing Stream.s here does the same at once, also where the caller cannot await.
    try:
        w.s.close()
    except Exception:
        pass


def _str(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return len(b).to_bytes(2, "big") + b


class MQTTClient:
    def __init__(self, host, port=1883, client_id="", *, user=None, password=None, ssl=None,
                 server_hostname=None, keepalive=60, clean=True, will=None, window=16,
                 max_msg=4608, wifi=None):
        self._addr = (host, port, ssl, server_hostname)
        self._id, self._user, self._pw = client_id, user, password
        self._keepalive, self._clean, self._will = keepalive, clean, will  # will: (topic, msg, retain, qos)
        self._window = window
        self._wifi = wifi  # object with `async up()`; None when the network is always there
        self._rbuf = bytearray(max_msg)
        self._rmv = memoryview(self._rbuf)
        self._hdr = bytearray(2)  # a packet's type and the first byte of its length
        self._hdr1 = memoryview(self._hdr)[1:]  # the further bytes of the length
        self._tmv = memoryview(bytearray(_TOPIC_MAX))  # the last topic received, and its str
        self._tn = -1
        self._tstr = None
        self._tx = memoryview(bytearray(_TX))
        self._np = 0  # PUBACKs queued in self._tx[: 4 * self._np]
        self._pid = 0
        self._unacked = []  # [pid, topic, msg, retain, sent_before, sent_on_connection], oldest first
        self._acked = asyncio.Event()
        self._subs = []  # [filter, qos, callback, _prefix(filter)]
        self._suback = {}
        self._recent = [-1] * _RECENT  # fingerprints of recent QoS 1 messages
        self._recent_i = 0
        self._up = asyncio.Event()
        self._lock = asyncio.Lock()
        self._w = None
        self._task = None
        self._reader = None  # the task that reads the socket (and runs the handlers)
        self._last_rx = 0
        self._yielded = 0  # when the reader last let other tasks run during a burst
        self._last_ping = 0
        self._pb = memoryview(bytearray(_PUSHBACK))  # read by poll_sync(), not yet by the reader
        self._pb_n = 0
        self._rx_left = 0  # bytes of the packet being read still to come; -1: inside its header
        self._in_sync = False  # a scheduled callback must not re-enter the *_sync methods
        self.connects = 0
        self.phase = "idle"  # where the connection manager is: for diagnostics
        self.on_connect = []  # coroutine functions run after each (re)connect
        self.before_connect = None  # coroutine function awaited before each attempt (the clock)
        self.connect_timeout = 10  # s for the TCP (and TLS) connect, within _run's 20 s per attempt
        self._ip = None  # the broker's address, looked up once (_connect)
        self._fails = 0  # connects to self._ip that failed in a row

    @property
    def connected(self):
        return self._w is not None

    async def wait_connected(self):
        await self._up.wait()

    def start(self):
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def disconnect(self):
        """Ends the session cleanly (DISCONNECT: the broker discards the will) and stops."""
        if self._task:
            self._task.cancel()
            self._task = None
        w = self._w
        if w is not None:
            try:
                w.write(b"\xe0\x00")
                await asyncio.wait_for(w.drain(), 2)
            except Exception:
                pass
        self._drop()

    async def stop(self):
        if self._task:
            self._task.cancel()
            self._task = None
        self._drop()

    # --- publishing -----------------------------------------------------------------------------
    async def publish(self, topic, msg, retain=False, qos=0):
        if isinstance(msg, str):
            msg = msg.encode()
        if qos == 0:
            await self._up.wait()
            await self._send_publish(0, topic, msg, retain, 0)
            return 0
        while len(self._unacked) >= self._window:
            self._acked.clear()
            await self._acked.wait()
        pid = self._next_pid()
        entry = [pid, topic, bytes(msg), retain, False, 0]
        self._unacked.append(entry)
        # Until the resend pass of a new connection is over, new messages wait their turn.
        if self._up.is_set():
            await self._send_entry(entry, self.connects)
        return pid

    def room(self):
        """QoS 1 messages publish() can take now without waiting for acknowledgements."""
        return self._window - len(self._unacked)

    async def wait_all_acked(self):
        await self.wait_unacked(0)

    async def wait_unacked(self, n):
        """Waits until at most n QoS 1 messages are unacknowledged. Returns at once in a handler:
        the acknowledgements are read by the task that runs it, so the wait would never end."""
        if asyncio.current_task() is self._reader:
            return
        while len(self._unacked) > n:
            self._acked.clear()
            await self._acked.wait()

    def _next_pid(self):
        while True:
            self._pid = self._pid % 65535 + 1
            if not any(e[0] == self._pid for e in self._unacked):
                return self._pid

    async def _send_entry(self, e, conn):
        # Sent only on connection number `conn`. A publish() that waited for the lock while the
        # connection changed leaves its message to the new connection's resend pass, which sends
        # everything unacknowledged in order: sent now, it could overtake older messages.
        await self._send_publish(0x02, e[1], e[2], e[3], e[0], conn, e)

    async def _send_publish(self, flags, topic, msg, retain, pid, conn=0, e=None):
        t = topic.encode() if isinstance(topic, str) else topic
        n = 2 + len(t) + len(msg) + (2 if pid else 0)
        async with self._lock:
            w = self._w
            if w is None or (e is not None and conn != self.connects):
                return
            if e is not None:
                flags |= _DUP if e[4] else 0
                e[4], e[5] = True, conn
            try:
                # Header, topic and packet id in one buffer, the payload too when it fits: one
                # write per packet, never a small segment left behind for Nagle to hold back.
                kind = _PUBLISH | flags | (1 if retain else 0)
                k = self._head(kind, n, t, pid)  # after the queued PUBACKs, which go with it
                if k < 0:  # a topic longer than the buffer
                    self._flush_acks(True)
                    w.write(self._fixed(kind, n))
                    w.write(len(t).to_bytes(2, "big"))
                    w.write(t)
                    if pid:
                        w.write(pid.to_bytes(2, "big"))
                    w.write(msg)
                elif k + len(msg) <= _TX:
                    self._tx[k : k + len(msg)] = msg
                    w.write(self._tx[: k + len(msg)])
                    self._np = 0
                else:
                    w.write(self._tx[:k])
                    self._np = 0
                    w.write(msg)
                await w.drain()
            except OSError as e:
                self._fail(e)

    def _head(self, kind, n, t, pid):
        # A PUBLISH header (fixed header, topic, packet id) into self._tx after the queued
        # PUBACKs: where it ends, or -1 when it does not fit.
        tx = self._tx
        i = 4 * self._np
        tx[i] = kind
        i += 1
        while True:
            b = n & 0x7F
            n >>= 7
            tx[i] = b | (0x80 if n else 0)
            i += 1
            if not n:
                break
        lt = len(t)
        if i + 4 + lt > _TX:
            return -1
        tx[i] = lt >> 8
        tx[i + 1] = lt & 0xFF
        tx[i + 2 : i + 2 + lt] = t
        i += 2 + lt
        if pid:
            tx[i] = pid >> 8
            tx[i + 1] = pid & 0xFF
            i += 2
        return i

    # --- while the event loop cannot run (a REPL statement): never wait ---------------------
    def publish_sync(self, topic, msg, room=None):
        """QoS 1 publish that never waits. False (nothing sent) while `room` (default: the window)
        messages are unacknowledged or the socket takes nothing more: the caller keeps the data."""
        room = room or self._window
        if len(self._unacked) >= room:
            self.poll_sync()  # acknowledgements may be waiting in the socket
            if len(self._unacked) >= room:
                return False
        if self._in_sync or not self._may_write_sync():
            return False
        self._in_sync = True
        try:
            return self._publish_sync(topic, msg)
        finally:
            self._in_sync = False

    def _may_write_sync(self):
        # A task that holds the lock is suspended in Stream.drain() (no writer awaits anything
        # else). While drain() sends Stream.out_buf it owns those bytes: a packet written now would
        # cut into its packet, or be appended to out_buf and dropped when drain() clears it. An
        # empty out_buf means it waits in drain()'s sleep_ms(0), where writing is safe.
        # (extmod/asyncio/stream.py, MicroPython >= 1.22)
        w = self._w
        return w is not None and not (self._lock.locked() and getattr(w, "out_buf", None))

    def _publish_sync(self, topic, msg):
        w = self._w
        if w is not None and len(getattr(w, "out_buf", b"")) > _PUSHBACK:
            self._write_sync(b"")  # MicroPython's Stream keeps there what the socket did not take
            if len(w.out_buf) > _PUSHBACK:
                return False
        e = [self._next_pid(), topic, bytes(msg), False, False, 0]
        if w is not None and self._up.is_set():
            e[4], e[5] = True, self.connects
            t = topic.encode()
            self._write_sync(bytes(self._fixed(_PUBLISH | 0x02, 4 + len(t) + len(e[2]))) + len(t).to_bytes(2, "big") + t
                             + e[0].to_bytes(2, "big") + e[2])
        self._unacked.append(e)  # not sent (not connected): the resend pass of the next connection sends it
        return True

    def poll_sync(self, match=None):
        """Reads what the socket already holds into the pushback buffer, handles the PUBACKs and
        PINGRESPs found there, pings every keepalive/2 (the ping task cannot), and returns True
        when match(topic, payload) is true for a complete PUBLISH waiting there (memoryviews,
        valid during the call). Everything else stays for the reader task, in order."""
        if self._w is None or self._in_sync:
            return False
        self._in_sync = True
        try:
            return self._poll_sync(match)
        finally:
            self._in_sync = False

    def _poll_sync(self, match):
        room = _PUSHBACK - _RX_CHUNK - self._pb_n
        if room > 0:
            try:
                n = self._r.s.readinto(self._pb[self._pb_n : self._pb_n + room])
                self._pb_n += (n, 0)[n is None]  # no branch between reading and counting
                if n:
                    self._last_rx = time.ticks_ms()
            except (OSError, AttributeError):
                pass  # the reader task meets the error itself
        if time.ticks_diff(time.ticks_ms(), self._last_ping) > self._keepalive * 500 and self._may_write_sync():
            self._last_ping = time.ticks_ms()
            self._write_sync(b"\xc0\x00")
        return self._scan_pushback(match)

    def wake_reader(self):
        """After a statement: the reader task may be asleep on a socket that poll_sync() emptied.
        The PINGRESP to a PINGREQ wakes it, and it takes the pushback first."""
        if self._pb_n and self._w is not None:
            self._last_ping = time.ticks_ms()
            if self._may_write_sync():
                self._write_sync(b"\xc0\x00")
            else:  # a task drains the stream: the ping goes after it
                asyncio.create_task(self._ping_after_drain())

    async def _ping_after_drain(self):
        try:
            await self._write(_PINGREQ, b"")
        except OSError:
            pass  # the connection is gone: the reader task wakes on that instead

    def _write_sync(self, packet):
        w = self._w
        try:
            w.write(packet)  # one call: a packet is never cut by an exception
            ob = getattr(w, "out_buf", None)
            if ob and not self._lock.locked():  # else the holder's drain() sends it
                k = w.s.write(ob)
                if k:
                    w.out_buf = ob[k:]
        except (OSError, AttributeError):
            pass  # no logging here (it would print into a captured terminal); the tasks notice

    def _scan_pushback(self, match):
        pb, n = self._pb, self._pb_n
        i = self._rx_left  # the rest of the packet the reader is in comes first
        found = False
        while 0 <= i < n:
            size, j, shift = 0, i + 1, 0
            while j < n and pb[j] & 0x80:
                size |= (pb[j] & 0x7F) << shift
                shift += 7
                j += 1
            if j >= n:
                break  # the header is not complete yet
            size |= pb[j] << shift
            j += 1
            end = j + size
            if end > n:
                break
            t = pb[i] & 0xF0
            if t == _PUBACK or t == _PINGRESP:
                if t == _PUBACK and size >= 2:
                    self._on_puback((pb[j] << 8) | pb[j + 1])
                pb[i : n - end + i] = pb[end:n]  # drop the packet: the reader never sees it
                n -= end - i
                self._pb_n = n
                continue
            if t == _PUBLISH and match and not found and size >= 2:
                tl = (pb[j] << 8) | pb[j + 1]
                p = j + 2 + tl + (2 if pb[i] & 0x06 else 0)
                found = p <= end and bool(match(pb[j + 2 : j + 2 + tl], pb[p:end]))
            i = end
        self._pb_n = n
        return found

    # --- subscriptions ------------------------------------------------------------------------
    async def subscribe(self, flt, callback, qos=1):
        """callback(topic, msg, retained, dup): msg is a memoryview valid during the call;
        the callback may be a coroutine function."""
        self._subs.append([flt, qos, callback, _prefix(flt)])
        if self._w is not None:
            await self._send_subscribe(flt, qos)

    async def _send_subscribe(self, flt, qos):
        pid = self._next_pid()
        ev = asyncio.Event()
        self._suback[pid] = ev
        body = pid.to_bytes(2, "big") + _str(flt) + bytes([qos])
        await self._write(_SUBSCRIBE, body)
        try:
            await asyncio.wait_for(ev.wait(), 10)
        finally:
            self._suback.pop(pid, None)

    # --- connection -----------------------------------------------------------------------------
    def _fixed(self, kind, n):
        h = bytearray([kind])
        while True:
            b = n & 0x7F
            n >>= 7
            h.append(b | (0x80 if n else 0))
            if not n:
                return h

    async def _write(self, kind, body):
        async with self._lock:
            w = self._w
            if w is None:
                raise OSError(errno.ENOTCONN)
            self._flush_acks(True)
            w.write(self._fixed(kind, len(body)))
            if body:
                w.write(body)
            await w.drain()

    def _fail(self, exc):
        if self._w is not None:
            log.warning("connection lost: %r", exc)
        self._drop()

    def _drop(self):
        w, self._w = self._w, None
        self._up.clear()
        if w is not None:
            _close(w)

    async def _run(self):
        backoff = 1
        while True:
            try:
                self.phase = "wifi"
                if self._wifi:
                    await self._wifi.up()
                if self.before_connect:
                    self.phase = "clock"
                    await self.before_connect()
                self.phase = "connect"
                await asyncio.wait_for(self._connect(), 20)
                backoff = 1
                await self._session()
            except asyncio.CancelledError:
                self.phase = "cancelled"
                self._drop()
                raise
            except Exception as e:
                self._fail(e)
                log.warning("connect failed: %r; retrying in %d s", e, backoff)
                if self.phase == "connect" and hasattr(self._wifi, "failed"):
                    self._wifi.failed()  # a reused IP lease may be why (mqb_net)
            self._drop()
            self.phase = "backoff"
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30)

    async def _connect(self):
        host, port, ssl, sni = self._addr
        # The port's getaddrinfo blocks every task while DNS runs (ports/esp32/modsocket.c), and
        # open_connection calls it on each attempt (extmod/asyncio/stream.py): the broker's
        # address is looked up once and kept, again only after _RESOLVE_AGAIN failed attempts.
        ip = self._ip
        if ip is None:
            ip = self._ip = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1][0]
        try:
            r, w = await asyncio.wait_for(
                asyncio.open_connection(ip, port, ssl=ssl, server_hostname=sni or host), self.connect_timeout)
        except BaseException:
            # A cancelled open_connection leaves its socket open (it is only a local there) until
            # the GC finalises it: collect now, before the next attempt needs one of lwIP's 10.
            self._fails += 1
            if self._fails >= _RESOLVE_AGAIN:
                self._ip, self._fails = None, 0
            gc.collect()
            raise
        self._fails = 0
        if not ssl:
            _nodelay(w)
        flags = 0x02 if self._clean else 0
        body = bytearray(b"\x00\x04MQTT\x04\x00") + self._keepalive.to_bytes(2, "big") + _str(self._id)
        if self._will:
            wt, wm, wr, wq = self._will
            flags |= 0x04 | (wq << 3) | (0x20 if wr else 0)
            body += _str(wt) + _str(wm)
        if self._user is not None:
            flags |= 0x80
            body += _str(self._user)
            if self._pw is not None:
                flags |= 0x40
                body += _str(self._pw)
        body[7] = flags
        try:
            w.write(self._fixed(_CONNECT, len(body)) + body)
            await w.drain()
            ack = await r.readexactly(4)
        except BaseException:  # also a timeout (cancelled): lwIP has only a few sockets to lose
            _close(w)
            raise
        if ack[0] != 0x20 or ack[3] != 0:
            _close(w)
            rc = ack[3] if ack[0] == 0x20 else -1
            raise MQTTError("CONNACK refused (%d): %s" % (rc, _CONNACK_TEXT[rc] if 0 < rc < 6 else "bad packet"))
        self._r, self._w = r, w
        self._pb_n = self._rx_left = 0  # what poll_sync() kept belonged to the old connection
        self._np = 0  # the broker redelivers what the old connection did not acknowledge
        self._last_rx = time.ticks_ms()
        self.connects += 1
        log.info("connected to %s:%d (session present: %d)", host, port, ack[2] & 1)

    async def _session(self):
        reader = self._reader = asyncio.create_task(self._read_loop())
        pinger = asyncio.create_task(self._ping_loop())
        try:
            self.phase = "subscribe"
            for f in self._subs:
                await self._send_subscribe(f[0], f[1])
            self.phase = "resend"
            # Resend in order, including what was published while this pass ran (4.4, 4.6).
            while self._w is not None:
                for e in self._unacked:
                    if e[5] != self.connects:
                        break
                else:
                    self._up.set()
                    break
                await self._send_entry(e, self.connects)
            if self._up.is_set():
                self.phase = "up"
                # Separate tasks: a callback that publishes may wait for window space, which only
                # this connection's acknowledgements (or the next connection) can free.
                for cb in self.on_connect:
                    asyncio.create_task(cb())
            while self._w is not None and not reader.done():
                await asyncio.sleep_ms(200)
        finally:
            reader.cancel()
            pinger.cancel()

    async def _ping_loop(self):
        ka = self._keepalive * 1000
        while self._w is not None:
            await asyncio.sleep_ms(ka // 2)
            if time.ticks_diff(time.ticks_ms(), self._last_rx) > ka * 3 // 2:
                self._fail(OSError("keepalive timeout"))
                return
            self._last_ping = time.ticks_ms()
            try:
                await self._write(_PINGREQ, b"")
            except OSError as e:
                self._fail(e)

    async def _read_loop(self):
        try:
            while True:
                await self._read_packet()
        except Exception as e:
            self._fail(e)

    async def _readinto(self, buf):
        r = self._r
        mv = memoryview(buf)  # slicing a bytearray would copy it
        got = 0
        while got < len(mv):
            if self._pb_n:
                n = self._take_pushback(mv[got:])
            else:
                # What has arrived is taken without a detour through the event loop: every await
                # allocates a coroutine (and a GC cycle sooner); only an empty socket waits. All
                # of it in one read: nothing can come between checking the pushback and reading.
                n = r.s.readinto(mv[got:])
                if n is None:
                    if self._np and self._flush_acks():  # nothing more to read: acknowledge now
                        await self._send_acks()
                    # While this waits, poll_sync() may take bytes into the pushback: ours must
                    # then fit behind them, hence the chunk.
                    n = await r.readinto(mv[got : min(len(mv), got + _RX_CHUNK)])
                if n is None:
                    continue  # poll_sync() took the bytes that woke us
                if not n:
                    raise OSError(errno.ECONNRESET)  # the broker closed the connection
                if self._pb_n:
                    # poll_sync() read earlier bytes while we waited: ours go after them.
                    self._pb[self._pb_n : self._pb_n + n] = mv[got : got + n]
                    self._pb_n += n
                    continue
            got += n
            if self._rx_left > 0:
                self._rx_left -= n

    def _take_pushback(self, dst):
        pb = self._pb
        k = min(self._pb_n, len(dst))
        dst[:k] = pb[:k]
        self._pb_n -= k
        pb[: self._pb_n] = pb[k : k + self._pb_n]  # memmove: the regions may overlap
        return k

    async def _read_packet(self):
        hdr = self._hdr
        self._rx_left = 0  # at a packet boundary: poll_sync() may look at what follows
        await self._readinto(hdr)  # every packet has a type and at least one length byte
        self._rx_left = -1
        kind = hdr[0]
        n = hdr[1] & 0x7F
        shift = 7
        while hdr[1] & 0x80:
            if shift > 21:
                raise MQTTError("bad remaining length")
            await self._readinto(self._hdr1)
            n |= (hdr[1] & 0x7F) << shift
            shift += 7
        self._rx_left = n
        self._last_rx = time.ticks_ms()
        t = kind & 0xF0
        if t == _PUBLISH:
            await self._on_publish(kind, n)
            # Other tasks get their turn during a burst at least every _SLICE_MS: what has arrived
            # is read without awaiting (see _readinto), where MicroPython's Stream would yield.
            if time.ticks_diff(self._last_rx, self._yielded) >= _SLICE_MS:
                self._yielded = self._last_rx
                await asyncio.sleep_ms(0)
            return
        buf = self._rmv
        if n > len(buf):
            raise MQTTError("oversized control packet")
        await self._readinto(buf[:n])
        if t == _PUBACK and n >= 2:
            self._on_puback((buf[0] << 8) | buf[1])
        elif t == _SUBACK and n >= 2:
            ev = self._suback.get((buf[0] << 8) | buf[1])
            if ev:
                ev.set()

    def _on_puback(self, pid):
        for i, e in enumerate(self._unacked):
            if e[0] == pid:
                del self._unacked[i]
                self._acked.set()
                return

    async def _on_publish(self, kind, n):
        buf = self._rmv
        qos = (kind >> 1) & 3
        if n <= len(buf):
            # The whole packet in one read (one await when it has arrived): topic, id, payload.
            await self._readinto(buf[:n])
            at = 2
        else:
            await self._readinto(buf[:2])
            at = 0
        tlen = (buf[0] << 8) | buf[1]
        head = tlen + (2 if qos else 0)
        if head > n - 2 or qos > 1:
            raise MQTTError("malformed PUBLISH")
        if tlen > _TOPIC_MAX:
            return await self._drop_long(at, tlen, qos, n)
        if not at:
            await self._readinto(buf[:head])
        topic = self._topic(buf[at : at + tlen])
        pid = (buf[at + tlen] << 8) | buf[at + tlen + 1] if qos else 0
        size = n - 2 - head
        if at:
            msg = buf[at + head : n]
        elif size > len(buf):
            await self._skip(size)
            log.warning("dropped a %d-byte message on %s: larger than %d", size, topic, len(buf))
            topic = None
        else:
            await self._readinto(buf[:size])
            msg = buf[:size]
        if topic is not None:
            fp = 0
            if pid:  # fingerprint: packet id, topic and payload (crc32 runs in C, no allocation)
                fp = (crc32(msg, crc32(topic)) ^ pid) & 0x3FFFFFFF
            if not (kind & _DUP and pid and fp in self._recent):
                if pid:
                    self._recent[self._recent_i] = fp
                    self._recent_i = (self._recent_i + 1) % _RECENT
                # The handlers (inline: one coroutine less per message).
                for sub in self._subs:
                    pre = sub[3] if len(sub) > 3 else None
                    if (pre is not None and topic.startswith(pre)) or topic_matches(sub[0], topic):
                        try:
                            r = sub[2](topic, msg, bool(kind & 1), bool(kind & _DUP))
                            if r is not None and hasattr(r, "send"):
                                await r
                        except Exception as e:
                            log.exc(e, "handler for %s failed", topic)
        if qos and self._puback(pid):
            await self._send_acks()

    async def _drop_long(self, at, tlen, qos, n):
        # Well formed, but a topic longer than we keep: acknowledged and dropped with a warning.
        # Closing the connection instead would have the broker redeliver it at every reconnect.
        buf = self._rmv
        if not at:
            await self._skip(tlen)
            if qos:
                await self._readinto(buf[:2])
            await self._skip(n - 2 - tlen - (2 if qos else 0))
            at = -tlen  # the packet id, if any, is at buf[0:2] now
        log.warning("dropped a message with a %d-byte topic: at most %d", tlen, _TOPIC_MAX)
        if qos and self._puback((buf[at + tlen] << 8) | buf[at + tlen + 1]):
            await self._send_acks()

    def _topic(self, t):
        # A stream's messages share their topic: the str of the last one is reused (no allocation,
        # and command handlers can recognise it).
        n = len(t)
        if n == self._tn and t == self._tmv[:n]:
            return self._tstr
        try:
            s = str(t, "utf-8")
        except UnicodeError:
            return None
        self._tmv[:n] = t
        self._tn, self._tstr = n, s
        return s

    def _puback(self, pid):
        # Queued (see the top of this file); True when a write left bytes to drain.
        if self._w is None:
            raise OSError(errno.ENOTCONN)
        tx = self._tx
        i = 4 * self._np
        tx[i] = _PUBACK
        tx[i + 1] = 2
        tx[i + 2] = pid >> 8
        tx[i + 3] = pid & 0xFF
        self._np += 1
        return self._np >= _ACKS and self._flush_acks()

    def _flush_acks(self, locked=False):
        # Writes the queued PUBACKs in one write. Not while another task holds the lock (unless it
        # is the caller): it may be in MicroPython's Stream.drain(), which would drop bytes written
        # meanwhile. True when the caller must await _send_acks(): the lock was held, or part of
        # the bytes waits in the stream's buffer (Stream.out_buf) to be drained.
        w = self._w
        if not self._np or w is None:
            return False
        if not locked and self._lock.locked():
            return True
        w.write(self._tx[: 4 * self._np])
        self._np = 0
        return bool(getattr(w, "out_buf", None))

    async def _send_acks(self):
        async with self._lock:
            w = self._w
            if w is not None:
                self._flush_acks(True)
                await w.drain()

    async def _skip(self, size):
        buf = memoryview(self._rbuf)
        while size:
            k = min(size, len(buf))
            await self._readinto(buf[:k])
            size -= k
