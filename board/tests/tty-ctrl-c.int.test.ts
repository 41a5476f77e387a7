import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBoards, createTestBoard, probeAsync } from '../../src-main/sim/test-boards.js';
import type { VirtualBoard } from '../../src-main/sim/virtual-board.js';
import { MQTT_LIB, boardFiles } from './board-files.js';

afterEach(closeTestBoards);

// The ESP32 half of Ctrl-C, which the virtual board cannot run end to end (its timers do not fire
// while Python code runs): what the timer's check does, driven by hand on the real interpreter.
// A fake stream plays MicroPython's asyncio.Stream: the non-blocking socket in `.s`, readinto()
// that waits for readability and then reads the socket (None when someone else took the bytes).
const FAKE_STREAM = `
import asyncio, mqb_mqtt
class Sock:
    def __init__(self):
        self.data = b""
    def readinto(self, b):
        if not self.data:
            return None
        n = min(len(b), len(self.data))
        b[:n] = self.data[:n]
        self.data = self.data[n:]
        return n
    def write(self, b):
        return len(b)
class Stream:
    def __init__(self):
        self.s = Sock()
        self.sent = []
        self.ev = asyncio.Event()
    async def readinto(self, b):
        if not self.s.data:  # wait until readable; someone may take the bytes before we read
            self.ev.clear()
            await self.ev.wait()
        return self.s.readinto(b)
    def write(self, b):
        self.sent.append(bytes(b))
    async def drain(self):
        pass
    def feed(self, data):
        self.s.data += data
        self.ev.set()
def publish(topic, payload, pid=0):
    body = len(topic).to_bytes(2, "big") + topic + (pid.to_bytes(2, "big") if pid else b"") + payload
    return bytes([0x32 if pid else 0x30, len(body)]) + body
PUBACK = lambda pid: b"\\x40\\x02" + pid.to_bytes(2, "big")
PINGRESP = b"\\xd0\\x00"
got = []
c = mqb_mqtt.MQTTClient("unused", 1883, "t")
st = Stream()
c._r = c._w = st
c._up.set()
c._subs.append(["t/#", 1, lambda t, m, r, d: got.append(t + "=" + bytes(m).decode())])
reader = asyncio.create_task(c._read_loop())
`;

async function flushLoop(board: VirtualBoard): Promise<void> {
  await probeAsync(board, 'asyncio.sleep_ms(20)');
}

describe('Ctrl-C on an ESP32: the check the timer runs', () => {
  it('poll_sync() reads ahead without losing bytes: acknowledgements handled, a waiting message found, the rest delivered in order', async () => {
    const board = createTestBoard({ runBootFiles: false, files: boardFiles(MQTT_LIB) });
    await board.powerOn();
    await board.probe(FAKE_STREAM);
    await flushLoop(board);
    // While "a statement runs": bytes arrive, the reader task cannot run, the check looks.
    await board.probe(
      [
        'c._unacked.append([7, "x", b"", False, True, 0])',
        'st.feed(publish(b"t/a", b"first", 1) + PUBACK(7) + PINGRESP + publish(b"t/b", b"c-second"))',
        'hit = c.poll_sync(lambda t, p: bytes(t) == b"t/b" and p[0] == 0x63)',
        'miss = c.poll_sync(lambda t, p: bytes(t) == b"t/zzz")',
        'state = (hit, miss, len(c._unacked), c._pb_n)',
      ].join('\n'),
    );
    // Found; the PUBACK freed the window and is gone with the PINGRESP; both PUBLISHes wait.
    expect(await board.probe('state')).toBe(`(True, False, 0, ${14 + 15})`);
    await board.probe('st.feed(publish(b"t/c", b"third"))');
    await flushLoop(board);
    expect(await board.probeJson('got')).toEqual(['t/a=first', 't/b=c-second', 't/c=third']);
    expect(await board.probe('b"".join(st.sent).count(b"\\x40\\x02\\x00\\x01")')).toBe('1'); // our PUBACK for pid 1

    // The reader is half-way through a packet: the check skips its rest and still finds what follows.
    const big = 'x'.repeat(40);
    await board.probe(`whole = publish(b"t/d", b"${big}")\nst.feed(whole[:6])`);
    await flushLoop(board);
    expect(await board.probeJson('c._rx_left')).toBe(2 + 3 + 40 - 4);
    await board.probe('st.s.data = whole[6:] + publish(b"t/e", b"c")\nhit = c.poll_sync(lambda t, p: bytes(t) == b"t/e")');
    expect(await board.probe('hit')).toBe('True');
    // Bytes that reach the waiting reader after the check took earlier ones go after them.
    await board.probe('st.feed(publish(b"t/f", b"last"))');
    await flushLoop(board);
    expect((await board.probeJson<string[]>('got')).slice(3)).toEqual([`t/d=${big}`, 't/e=c', 't/f=last']);
    expect(await board.probeJson('c._pb_n')).toBe(0);
  });

  it('types Ctrl-C into the terminal: KeyboardInterrupt is raised in the statement, also when it lands while the terminal writes', async () => {
    const board = createTestBoard({ runBootFiles: false, files: boardFiles({ ...MQTT_LIB, 'lib/mqb_tty_out.py': 'lib/mqb_tty_out.py' }) });
    await board.powerOn();
    const result = await board.probe(
      [
        'import os, micropython, mqb_tty_out, _simhost',
        'micropython.kbd_intr(3)',
        'class Mqtt:',
        '    def poll_sync(self, match):',
        '        return True  # a `c` of the session is waiting',
        '    def wake_reader(self):',
        '        pass',
        'class Session:',
        '    mqtt = Mqtt()',
        '    cfg = None',
        '    sent = []',
        '    def is_ctrl_c(self, t, p):',
        '        return True',
        '    def send_now(self, op, data, room):',
        '        if not self.sent:',
        '            _simhost.kbd_char(3)  # a Ctrl-C becomes pending just as the terminal sends',
        '        self.sent.append(data)',
        '        return True',
        'steps = []',
        'def attempt(action):',
        '    t = mqb_tty_out.Terminal(Session())',
        '    t.running = True',
        '    prev = os.dupterm(t)',
        '    try:',
        '        action(t)',
        '        steps.append("returned")',
        '        for i in range(100):',
        '            pass',
        '        steps.append("not interrupted")',
        '    except KeyboardInterrupt:',
        '        steps.append("KeyboardInterrupt")',
        '    os.dupterm(prev)',
        'attempt(lambda t: t._check(None))',
        'attempt(lambda t: t.write(b"y" * 2000))',
      ].join('\n'),
    );
    expect(result).toBe("None");
    // The chunk that went out was taken off the buffer; the statement, not write(), got the interrupt.
    expect(await board.probe('steps, [len(x) for x in Session.sent]')).toBe("(['returned', 'KeyboardInterrupt', 'returned', 'KeyboardInterrupt'], [1400])");
  });
});
