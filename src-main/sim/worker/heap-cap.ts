// Routes the MicroPython GC's "may the heap grow?" question of the wasm build to JavaScript, so
// the virtual board can answer as an ESP32's heap would (worker/heap-model.ts).
//
// The webassembly port is built with MICROPY_GC_SPLIT_HEAP_AUTO: when an allocation fails (its
// gc_collect() collects nothing inside a call), py/gc.c's gc_try_add_heap() asks the port's
// gc_get_max_new_split() how much more heap it may take and mallocs a new area; gc_info() asks
// too (gc.mem_free() adds the answer). The port's function (ports/webassembly/main.c) returns a
// constant 128 MiB, which is why `heapsize` alone caps nothing. Its compiled body is unique in
// the module: no locals, `i32.const 134217728`, `end`. It becomes a call of the imported
// `env.emscripten_resize_heap` with a size no caller ever asks for (HEAP_QUESTION), in the same
// nine bytes, so the worker's wrapper of that import answers instead.

import { readLeb } from './shared-memory.js';

/** Body of `size_t gc_get_max_new_split(void) { return 128 * 1024 * 1024; }`, with its size byte. */
const MAX_NEW_SPLIT_BODY = [0x08, 0x00, 0x41, 0x80, 0x80, 0x80, 0xc0, 0x00, 0x0b] as const;
/** The argument that marks the question: -3 (one signed LEB128 byte, 0x7d); as a size, 4 GiB - 3. */
export const HEAP_QUESTION = -3;
const IMPORT_MODULE = 'env';
const IMPORT_NAME = 'emscripten_resize_heap';
const OP = { I32_CONST: 0x41, CALL: 0x10, NOP: 0x01, END: 0x0b } as const;

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

/** The function index of an imported function (imports come first in the index space). */
export function importedFunctionIndex(bytes: Uint8Array, module: string, name: string): number | undefined {
  const text = new TextDecoder();
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = readLeb(bytes, p);
    if (id === 2) {
      let q = size.next;
      const count = readLeb(bytes, q);
      q = count.next;
      let functions = 0;
      for (let k = 0; k < count.value; k++) {
        const m = readLeb(bytes, q);
        const mod = text.decode(bytes.subarray(m.next, m.next + m.value));
        const n = readLeb(bytes, m.next + m.value);
        const field = text.decode(bytes.subarray(n.next, n.next + n.value));
        q = n.next + n.value;
        const kind = bytes[q++]!;
        if (kind === 0) {
          if (mod === module && field === name) return functions;
          functions++;
          q = readLeb(bytes, q).next; // type index
        } else if (kind === 1 || kind === 2) {
          if (kind === 1) q++; // a table's element type
          const flags = bytes[q++]!;
          q = readLeb(bytes, q).next; // minimum
          if (flags & 1) q = readLeb(bytes, q).next; // maximum
        } else {
          q += 2; // global: valtype, mutability
        }
      }
      return undefined;
    }
    p = size.next + size.value;
  }
  return undefined;
}

/**
 * Returns a copy of the module binary whose gc_get_max_new_split() asks JavaScript, or the reason
 * it cannot be patched (another build of the interpreter: the heap would not be enforced).
 */
export function routeHeapGrowth(binary: Uint8Array): Uint8Array | string {
  const at = occurrences(binary, MAX_NEW_SPLIT_BODY);
  if (at.length !== 1) return `gc_get_max_new_split() not found exactly once (${at.length} matches)`;
  const index = importedFunctionIndex(binary, IMPORT_MODULE, IMPORT_NAME);
  if (index === undefined || index > 0x7f) return `${IMPORT_MODULE}.${IMPORT_NAME} is not among the first 128 imported functions`;
  const body = [0x08, 0x00, OP.I32_CONST, HEAP_QUESTION & 0x7f, OP.CALL, index, OP.NOP, OP.NOP, OP.END];
  const bytes = new Uint8Array(binary);
  bytes.set(body, at[0]!);
  return bytes;
}
