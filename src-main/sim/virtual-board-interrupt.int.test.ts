import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBoards, createTestBoard } from './test-boards.js';

afterEach(closeTestBoards);

// A terminal stream attached with os.dupterm (what the REPL and eval do while code runs) around
// a busy loop: only the host can get the worker out of it.
const BUSY_WITH_TERMINAL = `
import io, os, machine
led = machine.Pin(2, machine.Pin.OUT)
class Term(io.IOBase):
    def write(self, b):
        return len(b)
    def readinto(self, b):
        return None
for round in (1, 2):
    prev = os.dupterm(Term())
    led.value(round % 2)  # serial output waits for the worker's event loop; pin events do not
    try:
        while True:
            pass
    except KeyboardInterrupt as e:
        print("interrupted", round, type(e).__name__)
    os.dupterm(prev)
print("detached")
`;

describe('virtual board: Ctrl-C from the host, and timers', () => {
  it('interrupts a busy loop while a terminal stream is attached, again and again, and refuses when none is', async () => {
    const board = createTestBoard({ files: { 'main.py': BUSY_WITH_TERMINAL } });
    const spinning = (level: number) => new Promise<void>((resolve) => {
      const onPin = (pin: number, value: number) => pin === 2 && value === level && (board.off('pin', onPin), resolve());
      board.on('pin', onPin);
    });
    let spin = spinning(1);
    await board.powerOn();
    await spin;
    spin = spinning(0);
    expect(board.interrupt()).toBe(true);
    await spin;
    const seen = board.waitForSerial(/interrupted 1 KeyboardInterrupt\ninterrupted 2 KeyboardInterrupt\ndetached/);
    expect(board.interrupt()).toBe(true);
    await seen;
    // Nothing attached: the asyncio loop and probes must never see a stray KeyboardInterrupt.
    expect(board.interrupt()).toBe(false);
    expect(await board.probe('1 + 1')).toBe('2');
  });

  it('does not reach a hung board without a terminal stream (only the watchdog or power does)', async () => {
    const board = createTestBoard({ files: { 'main.py': 'print("up")' } });
    const up = board.waitForSerial(/up/);
    await board.powerOn();
    await up;
    board.hang();
    await expect(board.probe('1', 300)).rejects.toThrow(/timed out/);
    expect(board.interrupt()).toBe(false);
    await board.powerCycle();
    expect(await board.probe('2 + 2')).toBe('4');
  });

  it('takes a Ctrl-C read from a terminal stream by os.dupterm_notify, as an ESP32 does', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    const out = await board.probe(
      [
        'import io, os, micropython',
        'class Keys(io.IOBase):',
        '    def __init__(self, keys):',
        '        self.keys = keys',
        '    def write(self, b):',
        '        return len(b)',
        '    def readinto(self, b):',
        '        if not self.keys:',
        '            return None',
        '        b[0] = self.keys[0]',
        '        self.keys = self.keys[1:]',
        '        return 1',
        'def attempt(keys):',
        '    prev = os.dupterm(Keys(keys))',
        '    try:',
        '        os.dupterm_notify(None)',
        '        for i in range(1000):',
        '            pass',
        '        return "ran to the end"',
        '    except KeyboardInterrupt:',
        '        return "KeyboardInterrupt"',
        '    finally:',
        '        os.dupterm(prev)',
        'micropython.kbd_intr(3)',
        'result = [attempt(b"ab\\x03"), attempt(b"ab")]',
        'micropython.kbd_intr(-1)',
        'result.append(attempt(b"\\x03"))',
        'micropython.kbd_intr(3)',
      ].join('\n'),
    );
    expect(out).toBe('None');
    expect(await board.probeJson('result')).toEqual(['KeyboardInterrupt', 'ran to the end', 'ran to the end']);
  });

  it('runs machine.Timer callbacks between bytecodes, in a busy loop too, as the ESP32 scheduler does; ids follow the ESP32 (0-3)', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    await board.probe(
      [
        'import machine',
        'ticks = []',
        't = machine.Timer(1)',
        't.init(period=10, mode=machine.Timer.PERIODIC, callback=lambda tm: ticks.append(1))',
        'once = machine.Timer(2, mode=machine.Timer.ONE_SHOT, period=5, callback=lambda tm: ticks.append(2))',
      ].join('\n'),
    );
    await new Promise((r) => setTimeout(r, 200));
    await board.probe('t.deinit()');
    const ticks = await board.probeJson<number[]>('ticks');
    expect(ticks.filter((x) => x === 1).length).toBeGreaterThan(3);
    expect(ticks.filter((x) => x === 2)).toEqual([2]);
    // 300 ms of a busy loop in one probe: the worker's event loop never runs meanwhile.
    await board.probe(
      [
        'import time, micropython',
        'n = [0]',
        'def tick(tm):',
        '    n[0] += 1',
        't.init(period=20, callback=tick)',
        't0 = time.ticks_ms()',
        'while time.ticks_diff(time.ticks_ms(), t0) < 300:',
        '    pass',
        'busy = n[0]',
        't.deinit()',
        'got = []',
        'micropython.schedule(got.append, 5)',
        'for _ in range(3):',
        '    pass',
      ].join('\n'),
    );
    expect(await board.probeJson<number>('busy')).toBeGreaterThanOrEqual(8);
    expect(await board.probeJson('got')).toEqual([5]);
    await expect(board.probe('machine.Timer(4)')).rejects.toThrow(/ValueError: invalid Timer number/);
    await expect(board.probe('machine.Timer(0, period=10, callback=print, hard=True)')).rejects.toThrow(/hard Timers are not implemented/);
  });

  it('re-arming a machine.Timer leaves nothing on the heap (the REPL arms one per statement)', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    // The wasm build collects when control returns to JavaScript: collect in one probe, measure in the next.
    const used = async () => {
      await board.probe('gc.collect()');
      return board.probeJson<number>('gc.mem_alloc()');
    };
    await board.probe('import gc, machine\nt = machine.Timer(3)\ncb = lambda tm: None\ndef rearm(n):\n    for i in range(n):\n        t.init(period=50, mode=machine.Timer.PERIODIC, callback=cb)\n        t.deinit()');
    await board.probe('rearm(10)');
    const before = await used();
    await board.probe('rearm(3000)');
    const after = await used();
    // A callback handed to JavaScript per init() stayed alive: about 100 bytes each, +300 KB here.
    expect(after - before).toBeLessThan(1024);
  });
});
