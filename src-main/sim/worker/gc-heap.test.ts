import { describe, expect, it } from 'vitest';
import type { GcArea } from './gc-heap.js';
import { BYTES_PER_BLOCK, blockFree, blockKind, findFirstArea, growthAnswer, largestFreeRun, markLive, readAreas } from './gc-heap.js';

// A heap laid out as py/gc.c lays one out: the area struct in "static" memory at 64, the
// allocation table at 1024 (64 blocks), the finaliser table one gap byte after it, the pool at 2048.
const STRUCT = 64;
const ATB = 1024;
const BLOCKS = 64;
const POOL = 2048;

function heap() {
  const buffer = new ArrayBuffer(POOL + BLOCKS * BYTES_PER_BLOCK);
  const bytes = new Uint8Array(buffer);
  const words = new Uint32Array(buffer);
  words.set([0, ATB, BLOCKS / 4, ATB + BLOCKS / 4 + 1, POOL, POOL + BLOCKS * BYTES_PER_BLOCK, 0, 0], STRUCT / 4);
  const area: GcArea = readAreas(words, STRUCT)[0]!;
  /** An object of `blocks` blocks at block `at`: a head, then tails. Returns its address. */
  const alloc = (at: number, blocks: number) => {
    for (let b = at; b < at + blocks; b++) bytes[ATB + (b >>> 2)] = bytes[ATB + (b >>> 2)]! | ((b === at ? 1 : 2) << ((b & 3) * 2));
    return POOL + at * BYTES_PER_BLOCK;
  };
  const point = (from: number, wordIndex: number, to: number) => {
    words[from / 4 + wordIndex] = to;
  };
  return { bytes, words, area, alloc, point };
}

describe('gc-heap: the wasm interpreter\'s GC heap read from JavaScript', () => {
  it('finds the first area in static memory and reads its geometry', () => {
    const h = heap();
    expect(findFirstArea(h.words, 0, 1024)).toBe(STRUCT);
    expect(h.area).toEqual({ struct: STRUCT, atb: ATB, blocks: BLOCKS, pool: POOL, poolEnd: POOL + 1024 });
    expect(findFirstArea(new Uint32Array(256), 0, 1024)).toMatch(/found 0 times/);
  });

  it('marks what the roots reach, through objects, as the collector would keep', () => {
    const h = heap();
    const a = h.alloc(0, 2); // reached from the root
    const b = h.alloc(4, 3); // reached from a's second block
    const garbage = h.alloc(10, 5); // nothing points at it
    const tail = h.alloc(20, 2); // only an interior pointer to it
    h.point(a, 5, b);
    h.words[200 / 4] = a; // the root
    h.words[204 / 4] = tail + BYTES_PER_BLOCK;
    h.words[208 / 4] = a + 4; // not block-aligned: not a pointer
    const live = markLive(h.bytes, h.words, [h.area], [[200, 212]]);
    expect(live.liveBytes).toBe(5 * BYTES_PER_BLOCK);
    expect([...live.live[0]!.slice(0, 8)]).toEqual([1, 1, 0, 0, 1, 1, 1, 0]);
    expect(live.live[0]![10]).toBe(0);
    expect(garbage).toBeGreaterThan(0);
    expect(markLive(h.bytes, h.words, [h.area], [[200, 204]], new Set([a])).liveBytes).toBe(0); // skipped
  });

  it('finds the longest run a collection would leave free', () => {
    const live = new Uint8Array(16);
    live.fill(1, 3, 5);
    live.fill(1, 12, 13);
    expect(largestFreeRun(live)).toBe(7 * BYTES_PER_BLOCK); // blocks 5..11
  });

  it("answers so that gc_try_add_heap(n) adds an area exactly when n fits the board's free heap", () => {
    // py/gc.c: refused when n + max(2048, n * 13 / 512) > answer.
    const refused = (n: number, answer: number) => n + Math.max(2048, Math.floor((n * 13) / 512)) > answer;
    for (const [capacity, live, run] of [[174080, 120000, 60000], [174080, 40000, 200000], [174080, 170000, 9000]] as const) {
      const fits = Math.min(capacity - live, run);
      const answer = growthAnswer(capacity, live, run);
      expect(refused(fits, answer)).toBe(false);
      expect(refused(fits + BYTES_PER_BLOCK, answer)).toBe(true);
    }
    expect(growthAnswer(174080, 180000, 9000)).toBe(0); // more live than the board holds
  });

  it('blocks free blocks only, from the top, and makes the sweep visit them', () => {
    const h = heap();
    h.alloc(60, 2);
    expect(blockFree(h.bytes, h.words, h.area, 3 * BYTES_PER_BLOCK)).toBe(3 * BYTES_PER_BLOCK);
    expect([63, 62, 59].map((b) => blockKind(h.bytes, h.area, b))).toEqual([1, 1, 1]);
    expect(blockKind(h.bytes, h.area, 61)).toBe(2); // the object's tail is untouched
    expect(blockKind(h.bytes, h.area, 58)).toBe(0);
    expect(h.words[STRUCT / 4 + 7]).toBe(BLOCKS - 1); // last_used_block
  });
});
