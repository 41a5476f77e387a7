# The terminal of one REPL-over-MQTT statement (mqb_tty): attached with os.dupterm while the
# statement runs, it streams what the statement prints as `o` messages and types a Ctrl-C into
# the interpreter when the console sends one.
#
# Ctrl-C on an ESP32: a machine.Timer ticks every 100 ms while the statement runs. Its callback
# runs from the scheduler (the ESP32 port has only soft timers) and schedules the check with
# micropython.schedule. An exception raised by a scheduled function does NOT reach the running
# code: py/scheduler.c calls it through mp_call_function_1_protected, which prints it (see
# https://docs.micropython.org/en/latest/reference/isr_rules.html and
# https://docs.micropython.org/en/latest/library/micropython.html#micropython.schedule; measured
# on the wasm build too). So the check asks the MQTT client whether a `c` message of the session
# waits in the socket (mqb_mqtt.poll_sync, which keeps every byte for the reader task), and if
# so calls os.dupterm_notify(): the port reads this terminal, gets Ctrl-C (0x03, the
# micropython.kbd_intr character) and schedules KeyboardInterrupt exactly as a Ctrl-C typed on
# the serial port or WebREPL does (extmod/os_dupterm.c). It is raised at the statement's next
# branch. https://docs.micropython.org/en/latest/library/os.html#os.dupterm_notify
# The virtual board cannot run timers while Python code runs: its host raises the interrupt
# (VirtualBoard.interrupt(), docs/virtual-board.md).
import io
import micropython
import os
import sys
import time
from micropython import const

_FLUSH = const(1024)  # output sent once this much waits...
_TICK_MS = const(100)  # ...or once it waited this long; also the Ctrl-C check period
_CHUNK = const(1400)  # output per `o` message
_KEEP = const(4096)  # output held while the window is full; the oldest beyond it is dropped
_ROOM = const(6)  # unacknowledged messages a statement may have (their copies are ~8 KB)
_STALL_MS = const(1000)  # how long a full window may block a statement without progress
_TIMER = const(3)  # the hardware timer borrowed while a statement runs (board_config tty_timer)
_timer_failed = False


class Terminal(io.IOBase):
    def __init__(self, session):
        self.s = session
        self.buf = bytearray()
        self.t = time.ticks_ms()  # last flush
        self.ctrl_c = False  # readinto() types one Ctrl-C
        self.running = False
        self.flushing = False
        self.stalled = False
        self.limit = _FLUSH  # output that makes write() send; larger while stalled
        self.lost = 0
        self._note = 0  # length of the "output lost" note at the start of buf
        self._act = (tuple, self._flush)  # tuple(): a no-op from C
        self._repend = (id, os.dupterm_notify)  # id(None): a no-op from C
        self._check_cb = self._check

    # --- the stream os.dupterm writes to and reads from ---------------------------------------
    def write(self, data):
        # No branch in here: MicroPython raises a pending KeyboardInterrupt at a branch, and one
        # raised inside a terminal's write() makes os.dupterm detach the terminal instead of
        # interrupting the statement. The table picks "nothing" or _flush without a branch.
        self.buf.extend(data)
        self._act[(len(self.buf) >= self.limit) | (time.ticks_diff(time.ticks_ms(), self.t) >= _TICK_MS)]()
        return len(data)

    def readinto(self, b):
        if self.ctrl_c:
            self.ctrl_c = False
            b[0] = 3
            return 1
        return None  # no other input: the console sends lines as `l` messages

    # --- running a statement ----------------------------------------------------------------------
    def run(self, code, ns):
        """Runs compiled code with this terminal attached; returns what it raised, or None."""
        timer = self._start_timer()
        self.running = True
        prev = os.dupterm(self)
        err = None  # nothing branches between the attach and the try: no stray Ctrl-C escapes
        try:
            try:
                exec(code, ns)
            finally:
                self._detach(prev, timer)
        except BaseException as e:
            err = e
        self.s.mqtt.wake_reader()
        return err

    def _start_timer(self):
        global _timer_failed
        try:
            import machine

            t = machine.Timer(getattr(self.s.cfg, "tty_timer", _TIMER))
            t.init(period=_TICK_MS, mode=machine.Timer.PERIODIC, callback=self._tick)
            return t
        except Exception as e:
            if not _timer_failed:
                _timer_failed = True
                import mqb_log

                mqb_log.getLogger("tty").warning("no timer for Ctrl-C checks: %r", e)
            return None

    def _detach(self, prev, timer):
        # Stops whatever can deliver a Ctrl-C, then lets one scheduled just as the statement
        # returned be raised here rather than in the event loop. Repeatable: a KeyboardInterrupt
        # raised half-way only runs it again.
        while True:
            try:
                self.running = False
                if timer is not None:
                    timer.deinit()
                os.dupterm(prev)
                for _ in (0, 1):
                    pass
                return
            except KeyboardInterrupt:
                pass

    def _tick(self, _t):
        try:
            micropython.schedule(self._check_cb, None)
        except RuntimeError:
            pass  # the scheduler's queue is full: the next tick tries again

    def _check(self, _):
        # From the scheduler, between two bytecodes of the statement. The KeyboardInterrupt is
        # scheduled by the last line, so it is raised in the statement, not in here.
        want = False
        if self.running:
            want = self.s.mqtt.poll_sync(self.s.is_ctrl_c)
            if self.buf and not self.flushing and time.ticks_diff(time.ticks_ms(), self.t) >= _TICK_MS:
                self.t = time.ticks_ms()
                self.send(False)
        self.ctrl_c = want
        self._repend[want](None)

    # --- output ---------------------------------------------------------------------------------
    def _flush(self):
        # Called by write() once output waits. A KeyboardInterrupt raised in here was meant for
        # the statement: it is scheduled again by the last line, after which nothing branches
        # before the statement's own code.
        redo = False
        try:
            self.t = time.ticks_ms()
            self.send(True)
        except KeyboardInterrupt:
            redo = True
        self.ctrl_c = redo
        self._repend[redo](None)

    def send(self, stall):
        """Publishes what waits as `o` messages. While the window is full the statement waits (if
        `stall`), as it would for a full UART; after 1 s without progress the oldest output is
        dropped instead, with a note, until a message goes out again."""
        self.flushing = True
        try:
            buf = self.buf
            since = time.ticks_ms()
            while buf:
                k = min(len(buf), _CHUNK)
                ok = self.s.send_now(b"o", bytes(buf[:k]), _ROOM)
                buf[: k * ok] = b""  # no branch between sending and removing (see send_now)
                if ok:
                    self._note = max(0, self._note - k)
                    self.stalled = False
                    since = time.ticks_ms()
                    continue
                if len(buf) <= _KEEP or not stall or self.stalled:
                    break
                if time.ticks_diff(time.ticks_ms(), since) > _STALL_MS:
                    self.stalled = True
                    break
                time.sleep_ms(10)
            if len(buf) > _KEEP:
                d = len(buf) - _KEEP + 64  # room for the note
                self.lost += d - min(d, self._note)
                note = b"\n[%d bytes of output lost: the connection is too slow]\n" % self.lost
                buf[:d] = note
                self._note = len(note)
            self.limit = _FLUSH + _KEEP if self.stalled else _FLUSH  # stalled: try again per KB, not per write
        finally:
            self.flushing = False

    def add_exception(self, e):
        s = io.StringIO()
        sys.print_exception(e, s)
        # Without the REPL's own frames (run() calling exec(), the session compiling the input):
        # the traceback of the serial REPL, which starts at <stdin>.
        for line in s.getvalue().split("\n"):
            if line and not _own_frame(line):
                self.buf.extend(line.encode() + b"\n")

    def finish(self):
        """What is left to send once the statement returned, in message-sized parts."""
        buf = self.buf
        parts = []
        while buf:
            parts.append(bytes(buf[:_CHUNK]))
            buf[:_CHUNK] = b""
        return parts


def _own_frame(line):
    # '  File "/lib/mqb_tty.py", line 185, in _run': a frame of mqb_tty or mqb_tty_out
    if not line.startswith('  File "'):
        return False
    path = line[8 : line.find('"', 8)]
    return path[path.rfind("/") + 1 :].startswith("mqb_tty")
