// Caps the MicroPython GC heap of the wasm build at the size it was started with, so that firmware
// that would run out of memory on an ESP32 gets MemoryError on the virtual board too.
//
// The webassembly port is built with MICROPY_GC_SPLIT_HEAP_AUTO: when an allocation fails after
// a collection, py/gc.c's gc_try_add_heap() asks the port's gc_get_max_new_split() how much more
// heap it may take and mallocs a new area. The port's function (ports/webassembly/main.c) returns
// a constant 128 MiB, which is why `heapsize` alone caps nothing. Its compiled body is unique in
// the module: no locals, `i32.const 134217728`, `end`. Rewriting the constant to 0 (the same five
// LEB128 bytes, padded) makes gc_try_add_heap() refuse every new area: the first area, `heapsize`
// bytes, is then the whole heap.

/** Body of `size_t gc_get_max_new_split(void) { return 128 * 1024 * 1024; }`, with its size byte. */
const MAX_NEW_SPLIT_BODY = [0x08, 0x00, 0x41, 0x80, 0x80, 0x80, 0xc0, 0x00, 0x0b] as const;
/** Offset of the constant's LEB128 bytes in that body, and 0 in the same five bytes. */
const CONSTANT_AT = 3;
const ZERO_LEB5 = [0x80, 0x80, 0x80, 0x80, 0x00] as const;

function occurrences(bytes: Uint8Array, pattern: readonly number[]): number[] {
  const found: number[] = [];
  const first = pattern[0]!;
  for (let i = bytes.indexOf(first); i >= 0 && i <= bytes.length - pattern.length; i = bytes.indexOf(first, i + 1)) {
    let j = 1;
    while (j < pattern.length && bytes[i + j] === pattern[j]) j++;
    if (j === pattern.length) found.push(i);
  }
  return found;
}

/**
 * Returns a copy of the module binary whose GC heap cannot grow past its first area, or the reason
 * it cannot be patched (another build of the interpreter: the heap would not be enforced).
 */
export function capGcHeap(binary: Uint8Array): Uint8Array | string {
  const at = occurrences(binary, MAX_NEW_SPLIT_BODY);
  if (at.length !== 1) return `gc_get_max_new_split() not found exactly once (${at.length} matches)`;
  const bytes = new Uint8Array(binary);
  bytes.set(ZERO_LEB5, at[0]! + CONSTANT_AT);
  return bytes;
}
