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
  // The wasm build cannot collect inside a call (it cannot scan its own stack): the heap model
  // (worker/heap-model.ts) lets one call's garbage through only while the live data fits.
  it('collects the garbage of a long call as a board does, and still stops data that does not fit', async () => {
    await board.probe('_n = 0\nfor _i in range(5000):\n    _b = bytearray(1024)\n    _n += 1'); // 5 MB of garbage in one call
    expect(await board.probe('_n')).toBe('5000');
    await expect(board.probe('_held = [bytearray(1024) for _ in range(130)]')).rejects.toThrow(/MemoryError/);
    await board.probe('_held = None\n_b = None');
    expect(await board.probe('len(bytearray(60 * 1024))')).toBe('61440');
  });

  it('gives no extra room to data kept by a call that made garbage', async () => {
    // The buffer kept at the end of a garbage-heavy call lands in an area the model let the GC add.
    await board.probe('for _i in range(400):\n    _b = bytearray(1024)\n_keep = bytearray(30 * 1024)\n_b = None');
    // The heap is full when MemoryError comes: let go in the same call, as a board's REPL needs room too.
    await board.probe('_held = []\ntry:\n    while True:\n        _held.append(bytearray(1024))\nexcept MemoryError:\n    _kept = len(_held)\n    _held = None');
    const kept = await board.probe('_kept');
    expect(Number(kept) + 30).toBeLessThanOrEqual(110);
    expect(Number(kept) + 30).toBeGreaterThan(80);
    await board.probe('_keep = None');
    expect(await board.probe('len(bytearray(60 * 1024))')).toBe('61440');
  });
});
