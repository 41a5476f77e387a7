# The `eval` command of the original MQBoard protocol: the payload is Python source; an expression
# is answered with repr() of its value, statements are run and what they print is captured
# (os.dupterm) and returned, in as many framed messages as it takes. Code runs in the globals of
# __main__, like the serial REPL. Errors go back on the err topic with their traceback.
import io
import os
import sys
from micropython import const

_CHUNK = const(1400)  # payload per reply message, as the original protocol
_CAP = const(65536)  # output kept per command; the rest is counted, not stored


class _Capture(io.IOBase):
    def __init__(self):
        self.parts = []
        self.size = 0
        self.lost = 0

    def write(self, data):
        n = len(data)
        if self.size + n <= _CAP:
            self.parts.append(bytes(data))
            self.size += n
        else:
            self.lost += n
        return n

    def readinto(self, buf):
        return None  # output only: the capture never types into the REPL


def run(source):
    """Returns the reply bytes for `source`; raises what the code raised."""
    g = __import__("__main__").__dict__
    try:
        code = compile(source, "<eval>", "eval")
    except SyntaxError:
        code = None
    if code is not None:
        return repr(eval(code, g)).encode()
    cap = _Capture()
    prev = os.dupterm(cap)
    try:
        exec(source, g)
    finally:
        os.dupterm(prev)
    out = b"".join(cap.parts)
    if cap.lost:
        out += b"\n[%d more bytes of output not kept]\n" % cap.lost
    return out


async def eval_cmd(cmds, cid, tail, seq, last, payload):
    if seq != 0 or not last:
        await cmds.err(cid, "eval takes its source in a single message")
        return
    try:
        out = run(bytes(payload).decode())
    except Exception as e:
        s = io.StringIO()
        sys.print_exception(e, s)
        await cmds.err(cid, s.getvalue())
        return
    if len(out) <= _CHUNK:
        await cmds.reply(cid, out)
        return
    mv = memoryview(out)
    n = (len(out) + _CHUNK - 1) // _CHUNK
    for i in range(n):
        await cmds.reply(cid, mv[i * _CHUNK : (i + 1) * _CHUNK], seq=i, last=i == n - 1)
