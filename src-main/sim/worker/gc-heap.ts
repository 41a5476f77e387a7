// Reads the MicroPython GC heap of the wasm interpreter from JavaScript (its memory is shared
// with the worker), to decide what an ESP32's collector would have done at the moment the wasm
// build cannot collect: inside a call (docs/virtual-board.md, "Heap").
//
// Layout (py/mpstate.h and py/gc.c of MicroPython 1.27, 32-bit, split heap and finalisers on):
// an area is `{ next, alloc_table_start, alloc_table_byte_len, finaliser_table_start,
// pool_start, pool_end, last_free_atb_index, last_used_block }`; the first lives in
// `mp_state_ctx.mem`, the others at the start of their own malloc'd block. The allocation table
// has 2 bits per 16-byte block: free, head, tail, mark. Nothing here writes to the heap except
// blockFree(), which only turns free blocks into unreferenced heads (the next sweep frees them).

export const BYTES_PER_BLOCK = 16;
const AT_FREE = 0;
const AT_HEAD = 1;
const AT_TAIL = 2;
/** Word offsets in an area struct. */
const F = { NEXT: 0, ATB: 1, ATB_LEN: 2, FTB: 3, POOL: 4, POOL_END: 5, LAST_USED: 7 } as const;

export interface GcArea {
  /** Address of the area struct. */
  struct: number;
  atb: number;
  blocks: number;
  pool: number;
  poolEnd: number;
}

/** A half-open byte range [from, to) scanned for pointers. */
export type Range = readonly [from: number, to: number];

/**
 * The address of the first area's struct in [from, to) (static memory): the one place where an
 * allocation table, its finaliser table (one gap byte after it) and a pool of 64 bytes per table
 * byte follow each other. A string when not found exactly once (another build of the interpreter).
 */
export function findFirstArea(words: Uint32Array, from: number, to: number): number | string {
  const found: number[] = [];
  for (let i = from >>> 2; i < (to >>> 2) - 8; i++) {
    const atb = words[i + F.ATB]!;
    const len = words[i + F.ATB_LEN]!;
    if (len < 16 || words[i + F.FTB] !== atb + len + 1) continue;
    const pool = words[i + F.POOL]!;
    if (pool > atb && words[i + F.POOL_END]! - pool === len * 4 * BYTES_PER_BLOCK) found.push(i * 4);
  }
  return found.length === 1 ? found[0]! : `the GC heap's first area was found ${found.length} times`;
}

export function readAreas(words: Uint32Array, first: number): GcArea[] {
  const areas: GcArea[] = [];
  for (let at = first; at !== 0 && areas.length < 10_000; at = words[(at >>> 2) + F.NEXT]!) {
    const i = at >>> 2;
    areas.push({ struct: at, atb: words[i + F.ATB]!, blocks: words[i + F.ATB_LEN]! * 4, pool: words[i + F.POOL]!, poolEnd: words[i + F.POOL_END]! });
  }
  return areas;
}

export function blockKind(bytes: Uint8Array, area: GcArea, block: number): number {
  return (bytes[area.atb + (block >>> 2)]! >>> ((block & 3) * 2)) & 3;
}

export interface LiveHeap {
  /** Bytes in objects reachable from the roots, all areas. */
  liveBytes: number;
  /** Per area, 1 for each block of a reachable object. */
  live: Uint8Array[];
}

/**
 * Marks what the collector would keep, from conservative roots, as py/gc.c does: a word is a
 * pointer when it is block-aligned and points at the head of an object; an object's every word
 * is scanned. Objects at the addresses in `skip` are not followed (the simulator's own ballast).
 * Values held only in wasm locals are invisible here: the estimate can miss a few temporaries.
 */
export function markLive(bytes: Uint8Array, words: Uint32Array, areas: readonly GcArea[], roots: readonly Range[], skip: ReadonlySet<number> = new Set()): LiveHeap {
  const live = areas.map((a) => new Uint8Array(a.blocks));
  const lo = Math.min(...areas.map((a) => a.pool));
  const hi = Math.max(...areas.map((a) => a.poolEnd));
  const stack: number[] = [];
  let liveBytes = 0;
  const visit = (ptr: number) => {
    if (ptr < lo || ptr >= hi || (ptr & (BYTES_PER_BLOCK - 1)) !== 0 || skip.has(ptr)) return;
    for (let k = 0; k < areas.length; k++) {
      const area = areas[k]!;
      if (ptr < area.pool || ptr >= area.poolEnd) continue;
      const block = (ptr - area.pool) / BYTES_PER_BLOCK;
      if (live[k]![block] || blockKind(bytes, area, block) !== AT_HEAD) return;
      let end = block + 1;
      while (end < area.blocks && blockKind(bytes, area, end) === AT_TAIL) end++;
      live[k]!.fill(1, block, end);
      liveBytes += (end - block) * BYTES_PER_BLOCK;
      stack.push(ptr, area.pool + end * BYTES_PER_BLOCK);
      return;
    }
  };
  for (const [from, to] of roots) for (let i = from >>> 2; i < to >>> 2; i++) visit(words[i]!);
  while (stack.length) {
    const to = stack.pop()!;
    const from = stack.pop()!;
    for (let i = from >>> 2; i < to >>> 2; i++) visit(words[i]!);
  }
  return { liveBytes, live };
}

/** The longest run of blocks of `area` that a collection would leave free, in bytes. */
export function largestFreeRun(live: Uint8Array): number {
  let best = 0;
  let run = 0;
  for (let b = 0; b < live.length; b++) {
    run = live[b] ? 0 : run + 1;
    if (run > best) best = run;
  }
  return best * BYTES_PER_BLOCK;
}

/**
 * What gc_get_max_new_split() answers so that py/gc.c's gc_try_add_heap(n) adds an area exactly
 * when an allocation of n bytes would succeed on a collected heap of `capacity` bytes holding
 * `liveBytes`, with `run` bytes as its longest free run: it refuses when
 * n + max(2048, n * 13 / 512) > answer, so the answer carries the same overhead on top of
 * what may be allocated.
 */
export function growthAnswer(capacity: number, liveBytes: number, run: number): number {
  const fits = Math.max(0, Math.min(capacity - liveBytes, run));
  return fits === 0 ? 0 : fits + Math.max(2048, Math.floor((fits * 13) / 512));
}

/**
 * Turns up to `maxBytes` of free blocks of `area` into heads nothing refers to, from its top down
 * (a board's live data would sit there): the heap then offers the firmware no room it would not
 * have on a board. The next sweep frees them. Returns the bytes blocked.
 */
export function blockFree(bytes: Uint8Array, words: Uint32Array, area: GcArea, maxBytes: number): number {
  let blocked = 0;
  for (let b = area.blocks - 1; b >= 0 && blocked < maxBytes; b--) {
    if (blockKind(bytes, area, b) !== AT_FREE) continue;
    const at = area.atb + (b >>> 2);
    bytes[at] = bytes[at]! | (AT_HEAD << ((b & 3) * 2));
    blocked += BYTES_PER_BLOCK;
  }
  if (blocked === 0) return 0;
  const i = area.struct >>> 2;
  // The sweep visits blocks up to last_used_block only (last_free_atb_index may stay: blocks
  // before it are still not free).
  words[i + F.LAST_USED] = Math.max(words[i + F.LAST_USED]!, area.blocks - 1);
  return blocked;
}
