# The interactive REPL over MQTT (`tty`, docs/protocol.md): one command id is one session with
# a namespace of its own. Input is collected as the serial REPL does (mqb_tty_edit) and each
# statement is compiled in "single" mode, so an expression echoes its value. A statement runs
# synchronously in the session's task; between statements the board keeps serving MQTT. What it
# prints is captured (os.dupterm) and streamed while it runs (mqb_tty_out), and a Ctrl-C from
# the console interrupts it (mqb_tty_out explains how).
import asyncio
import micropython
import time
from micropython import const
import mqb_log
import mqb_tty_edit
from mqb_tty_out import Terminal

log = mqb_log.getLogger("tty")

_MAX_SESSIONS = const(2)
_IDLE_MS = const(600_000)
_INPUT_MAX = const(16384)  # input queued and not run yet
_SEQ_END = const(0x7FFE)  # 15-bit sequence numbers: a session this long is ended
_OP_L, _OP_C, _OP_T, _OP_Q = const(0x6C), const(0x63), const(0x74), const(0x71)

_sessions = {}
_ended = []  # ids of the last sessions that ended: a redelivered first message must not reopen one


async def tty_cmd(cmds, cid, tail, seq, last, payload):
    s = _sessions.get(cid)
    op = payload[0] if len(payload) else 0
    if s is None:
        if cid in _ended:
            return
        if seq != 0:
            if op != _OP_Q:  # a late message of a session that ended: say so once asked
                await cmds.err(cid, "no such REPL session (it ended or the board restarted)")
            return
        if len(_sessions) >= _MAX_SESSIONS:
            await cmds.err(cid, "too many REPL sessions: at most %d at once" % _MAX_SESSIONS)
            return
        s = _sessions[cid] = _Session(cmds, cid)
    s.receive(seq, op, payload)


def _frame(seq, op, data=b"", last=False):
    return ((0x8000 if last else 0) | seq).to_bytes(2, "big") + op + data


class _Session:
    def __init__(self, cmds, cid):
        import mqb_launch

        self.mqtt = cmds.mqtt
        self.cid = cid
        self.topic = cmds.prefix + "/mqb/reply/out/" + cid
        self.cmd_topic = (cmds.prefix + "/mqb/cmd/tty/" + cid).encode()
        self.ns = {"__name__": "__main__", "board": mqb_launch.board}
        self.cfg = getattr(mqb_launch.board, "cfg", None)
        self.rx = 0  # next input seq
        self.tx = 0  # next output seq
        self.lines = []  # input lines not run yet
        self.queued = 0  # their size
        self.src = None  # the block being collected (None: at the >>> prompt)
        self.asks = []  # lines to complete
        self.cancel = False
        self.quit = False  # `q` came: end once the lines sent before it have run
        self.ended = None  # why the session ends (the `e` text), once it does
        self.kbd_seq = -1  # the `c` message the Ctrl-C check acted on
        self.interrupted = False  # a statement ended by KeyboardInterrupt since the last input
        self.leave = False  # a statement raised SystemExit: soft reset once the session ended
        self.used = time.ticks_ms()
        self.wake = asyncio.Event()
        self.task = asyncio.create_task(self._main())

    # --- input (called from the command handler, in the MQTT reader task: never waits) --------
    def receive(self, seq, op, payload):
        if seq < self.rx:
            return  # a redelivery
        if seq > self.rx:
            return self.end("input lost: message %d missing" % self.rx)
        self.rx = seq + 1
        self.used = time.ticks_ms()
        if op == _OP_L:
            self._queue(payload[1:])
        elif op == _OP_C:
            if seq == self.kbd_seq or self.interrupted:
                self.interrupted = False  # the statement it was meant for is interrupted already
            else:
                self.cancel = True
                self.lines, self.queued = [], 0
        elif op == _OP_T:
            self.asks.append(str(payload[1:], "utf-8"))
        elif op == _OP_Q:
            self.quit = True
        self.wake.set()

    def _queue(self, data):
        self.interrupted = False
        try:
            text = str(data, "utf-8")
        except UnicodeError:
            self.lines.append(b"[input dropped: not UTF-8]\n")
            return
        if self.queued + len(text) > _INPUT_MAX:
            self.lines.append(b"[input dropped: more than %d characters waiting]\n" % _INPUT_MAX)
            return
        parts = text.replace("\r\n", "\n").split("\n")
        if parts[-1] == "":
            parts.pop()
        for p in parts:
            self.queued += len(p) + 1
        if len(parts) == 1:  # typed: a paste arrives as several lines in one message
            self.lines.append((parts[0],))
        else:
            self.lines.extend(parts)

    def end(self, why):
        if self.ended is None:
            self.ended = why
            self.wake.set()

    # --- the session task ----------------------------------------------------------------------
    async def _main(self):
        try:
            await self._send(b"p", b">>> ")
            while self.ended is None:
                if not (self.lines or self.asks or self.cancel):
                    if self.quit:
                        self.end("")
                    else:
                        await self._idle()
                    continue
                while self.asks:
                    await self._send(b"t", mqb_tty_edit.complete(self.ns, self.asks.pop(0)).encode())
                if self.cancel:
                    self.cancel = False
                    self.src = None
                    if not self.lines:
                        await self._send(b"p", b">>> ")
                if self.lines:
                    await self._step(self.lines.pop(0))
        except Exception as e:  # a session must never take the board down
            log.exc(e, "REPL session %s failed", self.cid)
            self.ended = "REPL failure: %r" % e
        finally:
            _sessions.pop(self.cid, None)
            _ended.append(self.cid)
            if len(_ended) > 4:
                _ended.pop(0)
            try:
                await self.mqtt.publish(self.topic, _frame(self.tx, b"e", (self.ended or "").encode(), True), qos=1)
            except Exception:
                pass
            if self.leave:
                import mqb_state

                mqb_state.reset_when_sent(self.mqtt)

    async def _idle(self):
        self.wake.clear()
        left = _IDLE_MS - time.ticks_diff(time.ticks_ms(), self.used)
        if left <= 0:
            return self.end("idle for %d minutes" % (_IDLE_MS // 60000))
        try:
            await asyncio.wait_for_ms(self.wake.wait(), left)
        except asyncio.TimeoutError:
            pass

    async def _step(self, line):
        if isinstance(line, bytes):  # a note about input that was not queued
            await self._send(b"o", line)
        else:
            typed = isinstance(line, tuple)
            if typed:
                line = line[0]
            self.queued -= len(line) + 1
            term = Terminal(self)
            self._feed(line, typed, term)
            for part in term.finish():
                await self._send(b"o", part)
        if not self.lines and self.ended is None:
            await self._send(b"p", b">>> " if self.src is None else b"... ")

    def _feed(self, line, typed, term):
        # Typed lines follow the serial REPL: a block ends only at an empty (or indent-only)
        # line. The paste rule, a line back at column 0 ends the block, is for pastes only: a
        # typed line at column 0 belongs to the block, as it does on the serial REPL.
        src = self.src
        if typed:
            line = mqb_tty_edit.typed_line(src, line)
        elif src is not None and mqb_tty_edit.block_ends(src, line):
            self.src = None
            self._run(src, term)
            src = None
        if src is None and not line.strip():
            return
        src = line if src is None else src + "\n" + line
        if mqb_tty_edit.continues(src):
            self.src = src
        else:
            self.src = None
            self._run(src, term)

    def _run(self, src, term):
        try:
            code = compile(src, "<stdin>", "single")
        except Exception as e:
            return term.add_exception(e)
        micropython.kbd_intr(3)  # Ctrl-C interrupts code run from the REPL, as pyexec does
        err = term.run(code, self.ns)
        if isinstance(err, KeyboardInterrupt):
            self.interrupted = True
            self.lines, self.queued = [], 0  # the rest of a paste is not run either
        if isinstance(err, SystemExit):
            # machine.soft_reset() or sys.exit(): the session ends, then the board soft-resets
            # (after the ending is out: _main)
            self.leave = True
            self.end("soft reset")
        elif err is not None:
            term.add_exception(err)

    # --- output --------------------------------------------------------------------------------
    async def _send(self, op, data=b""):
        if self.tx >= _SEQ_END:
            return self.end("session too long: open a new one")
        msg = _frame(self.tx, op, data)
        self.tx += 1
        await self.mqtt.publish(self.topic, msg, qos=1)

    def send_now(self, op, data, room):
        """While a statement runs: True when the message went out (or is queued for the next
        connection), False when the window is full. No branch between publishing and counting:
        a Ctrl-C raised in between would send the next message under the same number (which the
        console drops as a repeat) instead of skipping one."""
        ok = self.tx < _SEQ_END and self.mqtt.publish_sync(self.topic, _frame(self.tx, op, data), room)
        self.tx += ok
        return ok

    def is_ctrl_c(self, topic, payload):
        """For mqb_mqtt.poll_sync(): a `c` message of this session not handled yet."""
        if len(payload) < 3 or payload[2] != _OP_C or bytes(topic) != self.cmd_topic:
            return False
        seq = ((payload[0] << 8) | payload[1]) & 0x7FFF
        if seq < self.rx or seq <= self.kbd_seq:
            return False
        self.kbd_seq = seq
        return True
