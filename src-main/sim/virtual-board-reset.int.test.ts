import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBoards, createTestBoard } from './test-boards.js';

afterEach(closeTestBoards);

// main.py that records every boot's reset cause and RTC memory in a file, then acts on a
// command left in RTC memory by the previous boot.
const RECORDER = `
import machine
rtc = machine.RTC()
mem = rtc.memory()
with open("boots.txt", "a") as f:
    f.write("%d %s\\n" % (machine.reset_cause(), mem.decode() or "-"))
print("BOOT cause=%d mem=%s" % (machine.reset_cause(), mem.decode() or "-"))
`;

async function bootsOf(board: ReturnType<typeof createTestBoard>): Promise<string[]> {
  return (await board.probeJson<string>('open("boots.txt").read()')).trim().split('\n');
}

describe('virtual board: RTC memory and reset causes', () => {
  it('keeps RTC memory over machine.reset(), soft reset and a WDT reset, clears it at power-on', async () => {
    const board = createTestBoard({ files: { 'main.py': RECORDER } });
    let boot = board.waitForSerial(/BOOT cause=1 mem=-/);
    await board.powerOn();
    await boot;

    boot = board.waitForSerial(/BOOT cause=2 mem=hard/);
    await board.probe('rtc.memory(b"hard")\nmachine.reset()').catch(() => undefined);
    await boot;

    boot = board.waitForSerial(/BOOT cause=5 mem=soft/);
    await board.probe('rtc.memory(b"soft")\nmachine.soft_reset()').catch(() => undefined);
    await boot;

    boot = board.waitForSerial(/BOOT cause=3 mem=wdt/, 15_000);
    await board.probe('rtc.memory(b"wdt")\nwdt = machine.WDT(timeout=1000)');
    await boot;

    boot = board.waitForSerial(/BOOT cause=1 mem=-/);
    await board.powerCycle();
    await boot;
    expect(await bootsOf(board)).toEqual(['1 -', '2 hard', '5 soft', '3 wdt', '1 -']);
  });
});

describe('virtual board: watchdog', () => {
  it('resets a board that stops feeding within the timeout ± 10 %', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    const resetAt = new Promise<number>((resolve) => board.once('reset', () => resolve(Date.now())));
    const armedAt = Date.now();
    await board.probe('import machine\nwdt = machine.WDT(timeout=2000)');
    const elapsed = (await resetAt) - armedAt;
    expect(elapsed).toBeGreaterThanOrEqual(1800);
    expect(elapsed).toBeLessThanOrEqual(2200);
  });

  it('resets a hung board (busy loop) and never resets one that is fed', async () => {
    const fed = createTestBoard({
      id: 'fed',
      files: { 'main.py': 'import machine, asyncio\nwdt = machine.WDT(timeout=1000)\nasync def feeder():\n    while True:\n        wdt.feed()\n        await asyncio.sleep_ms(200)\nasyncio.run(feeder())\n' },
    });
    const hung = createTestBoard({ id: 'hung', files: { 'main.py': 'import machine\nwdt = machine.WDT(timeout=1000)\n' } });
    let fedResets = 0;
    fed.on('reset', () => fedResets++);
    await fed.powerOn();
    await hung.powerOn();
    const hungReset = new Promise<number>((resolve) => hung.once('reset', resolve));
    hung.hang();
    expect(await hungReset).toBe(3);
    await new Promise((r) => setTimeout(r, 2500));
    expect(fedResets).toBe(0);
    expect(await hung.probe('__import__("machine").reset_cause()')).toBe('3');
  });
});

describe('virtual board: machine.soft_reset() raises SystemExit, as ports/esp32/modmachine.c', () => {
  it('caught, the board goes on; escaping to the top level (a task leaves the asyncio loop) it soft-resets', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    let resets = 0;
    board.on('reset', () => resets++);
    await board.probe('import machine, asyncio\ntry:\n    machine.soft_reset()\nexcept SystemExit:\n    caught = True');
    expect(await board.probeJson('caught')).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(resets).toBe(0);
    const reset = new Promise<number>((resolve) => board.once('reset', resolve));
    await board.probe('async def bye():\n    await asyncio.sleep_ms(10)\n    machine.soft_reset()\nasyncio.create_task(bye())');
    expect(await reset).toBe(5);
    expect(await board.probe('__import__("machine").reset_cause()')).toBe('5');
  });
});
