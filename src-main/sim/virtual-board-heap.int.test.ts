// The virtual board's MicroPython heap is the size of an ESP32's without PSRAM, and enforced:
// firmware that runs out of memory on hardware gets MemoryError here too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTestBoards, createTestBoard } from './test-boards.js';
import type { VirtualBoard } from './virtual-board.js';

const HEAP = 110 * 1024;

// One board for all cases: each probe is its own call into the interpreter, so the garbage of one
// case is collected before the next.
let board: VirtualBoard;
beforeAll(async () => {
  board = createTestBoard({
    enforceHeap: true,
    files: {
      // Firmware that keeps 1 KB buffers until the heap is full, one per asyncio step.
      'main.py': [
        'import asyncio',
        'held = []',
        'outcome = None',
        'async def hoard():',
        '    global outcome',
        '    try:',
        '        for _ in range(200):',
        '            held.append(bytearray(1024))',
        '            await asyncio.sleep_ms(0)',
        '        outcome = "kept 200 KB"',
        '    except MemoryError:',
        '        outcome = "MemoryError after %d KB" % len(held)',
        '    held.clear()',
        'asyncio.run(hoard())',
      ].join('\n'),
    },
  });
  await board.powerOn();
});
afterAll(closeTestBoards);

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('virtual board: the heap of an ESP32 without PSRAM', () => {
  it('stops firmware that keeps more than the heap with MemoryError', async () => {
    const outcome = await until(() => board.probeJson<string | null>('outcome'), (v) => v !== null);
    expect(outcome).toMatch(/^MemoryError after \d+ KB$/);
    const kept = Number(/after (\d+)/.exec(outcome!)![1]);
    expect(kept).toBeGreaterThan(80); // the firmware had nearly all of the heap...
    expect(kept).toBeLessThan(110); // ...and not one KB more
  });

  it('reports the board heap in gc.mem_free() and gc.mem_alloc(), without the shims', async () => {
    await board.probe('import gc');
    const [free, alloc] = await board.probeJson<[number, number]>('[gc.mem_free(), gc.mem_alloc()]');
    expect(free + alloc).toBeGreaterThan(HEAP - 2048);
    expect(free + alloc).toBeLessThanOrEqual(HEAP);
    expect(free).toBeGreaterThan(100 * 1024);
  });

  it('refuses one allocation larger than the free heap', async () => {
    await expect(board.probe('bytearray(120 * 1024)')).rejects.toThrow(/MemoryError/);
    expect(await board.probe('len(bytearray(64 * 1024))')).toBe('65536'); // the heap is still usable
  });

  it('fails a large allocation in a fragmented heap that still has enough free bytes', async () => {
    await board.probe('_frag = [bytearray(1000) for _ in range(70)]');
    await board.probe('for _i in range(0, 70, 2):\n    _frag[_i] = None\ngc.collect()'); // 35 holes of 1 KB between held buffers
    const free = Number(await board.probe('gc.mem_free()'));
    expect(free).toBeGreaterThan(45 * 1024);
    await expect(board.probe('bytearray(40 * 1024)')).rejects.toThrow(/MemoryError/);
    await board.probe('del _frag\ngc.collect()');
    expect(await board.probe('len(bytearray(40 * 1024))')).toBe('40960');
  });
  // A deviation, harsher than the port: the wasm build's gc_collect() is empty (it has no way to
  // scan the wasm stack for roots), so garbage is collected only when a call into the interpreter
  // returns to JavaScript (between asyncio steps), not when an allocation fails as on the ESP32.
  it('collects garbage between calls, not within one (the wasm build, see the docs)', async () => {
    await expect(board.probe('for _i in range(200):\n    _b = bytearray(1024)')).rejects.toThrow(/MemoryError/);
    await board.probe('_b = None');
    for (let i = 0; i < 4; i++) expect(await board.probe('len(bytearray(50 * 1024))')).toBe('51200'); // 200 KB in four calls
  });
});
