// Shared wasm memory for the board worker, so the host thread can reach into the interpreter
// while Python code is busy (and the worker's JavaScript event loop with it): the only way to
// deliver a Ctrl-C to `while True: pass` on the virtual board short of killing the worker.
// The MicroPython build defines its own (growable, non-shared) memory; the module binary is
// patched before instantiation to declare it shared. Node's wasm engine accepts shared memory
// without any other change to the module (it already has a maximum, which shared memory needs).

const MEMORY_SECTION = 5;
const LIMITS_HAS_MAX = 0x01;
const LIMITS_SHARED = 0x02;

/** An unsigned LEB128 number of a wasm binary at `at`, and where the next field begins. */
export function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    const b = bytes[p++];
    if (b === undefined) throw new Error('truncated LEB128');
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return { value, next: p };
  }
}

/**
 * Returns a copy of the module binary whose (single, defined) memory is shared, or a reason why
 * it cannot be patched. The limits keep their encoding: only the flags byte changes.
 */
export function shareWasmMemory(binary: Uint8Array): Uint8Array | string {
  if (binary[0] !== 0 || binary[1] !== 0x61 || binary[2] !== 0x73 || binary[3] !== 0x6d) return 'not a wasm module';
  const bytes = new Uint8Array(binary); // a copy: the caller's buffer stays as it was
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = readLeb(bytes, p);
    if (id === MEMORY_SECTION) {
      const count = readLeb(bytes, size.next);
      if (count.value !== 1) return `${count.value} memories defined`;
      const flags = bytes[count.next]!;
      if (flags & LIMITS_SHARED) return bytes;
      if (!(flags & LIMITS_HAS_MAX)) return 'memory has no maximum (shared memory needs one)';
      bytes[count.next] = flags | LIMITS_SHARED;
      return bytes;
    }
    p = size.next + size.value;
  }
  return 'the module imports its memory';
}

/**
 * Emscripten decodes strings straight out of the wasm heap with TextDecoder, which the WHATWG
 * spec (and Chromium, hence Electron) refuses for views of a SharedArrayBuffer. Node accepts
 * them; copy anyway so the worker behaves the same in any runtime.
 */
export function acceptSharedViewsInTextDecoder(): void {
  const proto = TextDecoder.prototype; // the global one (Node's util.TextDecoder)
  const decode = proto.decode;
  if ((decode as { sharedSafe?: boolean }).sharedSafe) return;
  type Input = Parameters<typeof decode>[0];
  const safe = function (this: InstanceType<typeof TextDecoder>, input?: Input, options?: { stream?: boolean }): string {
    if (input && ArrayBuffer.isView(input) && input.buffer instanceof SharedArrayBuffer) {
      input = new Uint8Array(input.buffer, input.byteOffset, input.byteLength).slice();
    }
    return decode.call(this, input, options);
  };
  (safe as { sharedSafe?: boolean }).sharedSafe = true;
  proto.decode = safe;
}

/** The parts of a WebAssembly.Memory the worker uses (the project's TS libs do not type wasm). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

export function asSharedMemory(value: unknown): WasmMemory | undefined {
  const m = value as Partial<WasmMemory> | undefined;
  return m && typeof m.grow === 'function' && m.buffer instanceof SharedArrayBuffer ? (m as WasmMemory) : undefined;
}
