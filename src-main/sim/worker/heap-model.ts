// The virtual board's heap behaves as an ESP32's without PSRAM: MemoryError exactly when the
// data the firmware holds, plus what it asks for, would not fit a collected heap of that size.
//
// The wasm build cannot collect inside a call (it cannot scan its own stack); it collects when
// control returns to JavaScript. A capped heap would therefore fill up with one call's garbage
// and raise MemoryError where a board, collecting as it goes, would not (a loop in one `eval`).
// So the first heap area is the board's size, and when it is full the GC's question "may I add
// an area?" (heap-cap.ts) is answered here: the live data is marked from the roots as py/gc.c
// would (gc-heap.ts), and the answer lets the allocation through, into an extra area, only if it
// fits what a collection would leave free, counted in the first area's size and its longest free
// run (fragmentation). After each call, room in extra areas that survived the collection (they
// hold live objects) is blocked, with as much again in the first area, so a later call gets no
// more room than a board would have. docs/virtual-board.md, "Heap".
import type { GcArea, Range } from './gc-heap.js';
import { blockFree, blockKind, findFirstArea, growthAnswer, largestFreeRun, markLive, readAreas } from './gc-heap.js';

export interface HeapModelDeps {
  memory: () => ArrayBufferLike;
  /** Bytes of memory below the malloc heap: static data and the C stack, where the struct is. */
  staticBytes: number;
  /** The C stack: [end, base) in use from `current()` up to base. */
  stack: { end: number; base: number; current: () => number };
  /** Bytes of the interpreter's Python stack (its pointers are found in static memory). */
  pystackBytes: number;
}

export class HeapModel {
  private readonly first: number;
  private readonly pystackAt: number;
  private readonly capacity: number;
  /** Blocks of the first area turned into unreferenced heads, still standing in for live data. */
  private blocked: number[] = [];
  /** The first area's allocation table as the current call found it. */
  private before: Uint8Array | undefined;
  /** Bytes of unreferenced heads standing in for room a board lacks: not the firmware's. */
  blockedBytes = 0;

  private constructor(private readonly d: HeapModelDeps, first: number, pystackAt: number) {
    this.first = first;
    this.pystackAt = pystackAt;
    const [area] = readAreas(this.words(), first);
    this.capacity = area!.blocks * 16;
  }

  /** The model, or why this interpreter's heap could not be found (the board must not run). */
  static attach(d: HeapModelDeps): HeapModel | string {
    const words = new Uint32Array(d.memory());
    const first = findFirstArea(words, 0, d.staticBytes);
    if (typeof first === 'string') return first;
    const pystack: number[] = [];
    for (let i = 0; i < (d.staticBytes >>> 2) - 3; i++) {
      const start = words[i]!;
      const cur = words[i + 2]!;
      if (start !== 0 && words[i + 1]! - start === d.pystackBytes && cur >= start && cur <= start + d.pystackBytes) pystack.push(i * 4);
    }
    if (pystack.length !== 1) return `the Python stack's bounds were found ${pystack.length} times`;
    return new HeapModel(d, first, pystack[0]!);
  }

  private words(): Uint32Array {
    return new Uint32Array(this.d.memory());
  }

  private roots(words: Uint32Array, first: GcArea, withStack: boolean): Range[] {
    const { stack } = this.d;
    const i = this.pystackAt >>> 2;
    // Static data ends where the malloc heap begins: below the GC heap and the Python stack.
    const dataEnd = Math.min(this.d.staticBytes, first.atb, words[i]!);
    const ranges: Range[] = [[0, stack.end], [stack.base, dataEnd], [words[i]!, words[i + 2]!]];
    // At the top level no C frame is live: the collector then scans no stack either.
    if (withStack) ranges.push([stack.current(), stack.base]);
    return ranges;
  }

  /** gc_try_add_heap() asks, inside a call: how big an area may it add (0: MemoryError)? */
  answerGrowth(): number {
    const buffer = this.d.memory();
    const bytes = new Uint8Array(buffer);
    const words = new Uint32Array(buffer);
    const areas = readAreas(words, this.first);
    const heap = markLive(bytes, words, areas, this.roots(words, areas[0]!, true));
    // Fragmentation counts the objects that were there when the call began: where this call's
    // own objects went depends on the garbage the wasm build could not collect meanwhile (a board
    // would have packed them into the holes its collections left).
    const old = heap.live[0]!.map((v, b) => (v && this.before && blockKindIn(this.before, b) !== 0 ? 1 : 0));
    return growthAnswer(this.capacity, heap.liveBytes, largestFreeRun(old));
  }

  /** After a call from JavaScript (its garbage collected): no room beyond a board's. */
  afterCall(): void {
    const buffer = this.d.memory();
    const bytes = new Uint8Array(buffer);
    const words = new Uint32Array(buffer);
    const areas = readAreas(words, this.first);
    this.blockRoom(bytes, words, areas);
    const first = areas[0]!;
    this.before = bytes.slice(first.atb, first.atb + first.blocks / 4);
  }

  private blockRoom(bytes: Uint8Array, words: Uint32Array, areas: GcArea[]): void {
    if (areas.length === 1) {
      this.blocked = []; // the extra areas went in a sweep, which freed these heads too
      this.blockedBytes = 0;
      return;
    }
    const extra = areas.slice(1);
    if (!extra.some((a) => hasFree(bytes, a))) return; // nothing collected or added since the last time
    const heap = markLive(bytes, words, areas, this.roots(words, areas[0]!, false));
    let liveElsewhere = 0;
    for (let k = 1; k < areas.length; k++) liveElsewhere += heap.live[k]!.reduce((n, v) => n + v, 0) * 16;
    let extraBlocked = 0;
    for (let k = 1; k < areas.length; k++) {
      const area = areas[k]!;
      blockFree(bytes, words, area, area.blocks * 16);
      for (let b = 0; b < area.blocks; b++) if (!heap.live[k]![b] && blockKind(bytes, area, b) === 1 && isSingle(bytes, area, b)) extraBlocked += 16;
    }
    const first = areas[0]!;
    this.blocked = this.blocked.filter((b) => blockKind(bytes, first, b) === 1 && !heap.live[0]![b]);
    const missing = liveElsewhere - this.blocked.length * 16;
    if (missing > 0) this.blocked.push(...blockTop(bytes, words, first, missing));
    this.blockedBytes = extraBlocked + this.blocked.length * 16;
  }
}

function blockKindIn(table: Uint8Array, block: number): number {
  return (table[block >>> 2]! >>> ((block & 3) * 2)) & 3;
}

/** A one-block head (what blockFree makes; garbage of several blocks is not counted). */
function isSingle(bytes: Uint8Array, area: GcArea, block: number): boolean {
  return block + 1 >= area.blocks || blockKind(bytes, area, block + 1) !== 2;
}

function hasFree(bytes: Uint8Array, area: GcArea): boolean {
  for (let b = 0; b < area.blocks; b++) if (blockKind(bytes, area, b) === 0) return true;
  return false;
}

function blockTop(bytes: Uint8Array, words: Uint32Array, area: GcArea, maxBytes: number): number[] {
  const before: number[] = [];
  for (let b = area.blocks - 1; b >= 0 && before.length * 16 < maxBytes; b--) if (blockKind(bytes, area, b) === 0) before.push(b);
  blockFree(bytes, words, area, maxBytes);
  return before;
}
