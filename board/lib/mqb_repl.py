# `eval` (original protocol) and `exec` (v2): the payload is Python source run in the globals of
# __main__, like the serial REPL. eval answers an expression with repr() of its value; statements
# (eval's fallback, and everything exec runs) are answered with what they printed, captured through
# os.dupterm, in 1,400-byte framed messages. Each full message goes out while the code still runs
# if the MQTT window has room (mqb_mqtt.publish_sync never waits); the rest is queued, at most
# 16 KB of it (older output is dropped and a note says how much), and sent when the code returns,
# from a task of its own when that takes more than two messages. Errors go back on the err topic
# with their traceback.
import io
import os
import sys
from micropython import const
from mqb_reply import CHUNK, Out, later

_KEEP = const(16384)  # output queued while the code runs
_DIRECT = const(2)  # messages a handler may publish itself (it runs in the MQTT reader task)
_ROOM = const(8)  # unacknowledged messages above which live output waits: the rest is for others


class _Capture(io.IOBase):
    def __init__(self, cmds, cid):
        self.parts = []  # queued message payloads, oldest first
        self.dropped = 0  # bytes dropped since the last message that went out
        self.seq = 0  # messages sent while the code ran
        self._buf = bytearray(CHUNK)
        self._n = 0
        self._mqtt = cmds.mqtt if hasattr(cmds.mqtt, "publish_sync") else None
        self._topic = cmds.prefix + "/mqb/reply/out/" + cid

    def write(self, data):
        # Never raises: a terminal whose write() raises is detached by os.dupterm.
        mv = memoryview(data)
        i = 0
        while i < len(mv):
            k = min(len(mv) - i, CHUNK - self._n)
            self._buf[self._n : self._n + k] = mv[i : i + k]
            self._n += k
            i += k
            if self._n == CHUNK:
                self._n = 0
                self.parts.append(bytes(self._buf))
                while self.parts and self._send_head():
                    pass
                if len(self.parts) * CHUNK > _KEEP:
                    self.dropped += len(self.parts.pop(0))
        return len(mv)

    def _send_head(self):
        if self.dropped:
            if not self._send(self._note()):
                return False
            self.dropped = 0
        if not self._send(self.parts[0]):
            return False
        self.parts.pop(0)
        return True

    def _send(self, part):
        if self._mqtt is None:
            return False
        h = self.seq
        try:
            ok = self._mqtt.publish_sync(self._topic, bytes((h >> 8, h & 0xFF)) + part, _ROOM)
        except Exception:
            ok = False
        if ok:
            self.seq += 1
        return ok

    def _note(self):
        return ("[%d bytes of output dropped]\n" % self.dropped).encode()

    def readinto(self, buf):
        return None  # output only: the capture never types into the REPL

    def finish(self):
        """What is left to send, as a list of message payloads."""
        if self._n:
            self.parts.append(bytes(self._buf[: self._n]))
        self._buf = None
        if self.dropped:
            self.parts.insert(0, self._note())
        return self.parts


def run(source, mode, capture):
    """Runs `source`: returns a list of reply parts; raises what the code raised.
    mode "eval": an expression's repr(), else statements; "exec": statements only.
    capture() makes the _Capture that statements print into."""
    g = __import__("__main__").__dict__
    if mode == "eval":
        try:
            code = compile(source, "<eval>", "eval")
        except SyntaxError:
            code = None
        if code is not None:
            return [repr(eval(code, g)).encode()]
    cap = capture()
    prev = os.dupterm(cap)
    try:
        exec(source, g)
    finally:
        os.dupterm(prev)
    return cap.finish()


async def _send(cmds, cid, parts, seq):
    out = Out(cmds, cid)
    out.seq = seq  # after what went out while the code ran
    while parts:
        await out.write(parts.pop(0))
    await out.close()


async def _run_cmd(cmds, cid, seq, last, payload, mode):
    if seq != 0 or not last:
        await cmds.err(cid, "%s takes its source in a single message" % mode)
        return
    caps = []  # the capture, made only when statements run (an expression needs none)

    def capture():
        caps.append(_Capture(cmds, cid))
        return caps[0]

    leave = False
    try:
        parts = run(bytes(payload).decode(), mode, capture)
    except SystemExit:
        # machine.soft_reset() and sys.exit() raise it (ports/esp32/modmachine.c): no error, the
        # code asked to leave. Its output is the reply, and the board soft-resets once that is out
        # (raised here, it would leave the loop before the reply and take the MQTT reader along).
        parts = caps[0].finish() if caps else [b""]
        leave = True
    except (Exception, KeyboardInterrupt) as e:  # an interrupt must not reach the MQTT reader
        s = io.StringIO()
        sys.print_exception(e, s)
        await cmds.err(cid, s.getvalue())
        return
    seq = caps[0].seq if caps else 0
    if seq == 0 and len(parts) == 1 and len(parts[0]) <= CHUNK:
        await cmds.reply(cid, parts[0])  # the common case: one single reply, no stream buffer
    elif sum(len(p) for p in parts) <= _DIRECT * CHUNK:
        await _send(cmds, cid, parts, seq)
    else:
        later(cmds, cid, _send(cmds, cid, parts, seq))
    if leave:
        import mqb_state

        mqb_state.reset_when_sent(cmds.mqtt)


async def eval_cmd(cmds, cid, tail, seq, last, payload):
    await _run_cmd(cmds, cid, seq, last, payload, "eval")


async def exec_cmd(cmds, cid, tail, seq, last, payload):
    await _run_cmd(cmds, cid, seq, last, payload, "exec")
