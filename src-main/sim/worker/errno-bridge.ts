// MicroPython's wasm build reports file-system errors with Emscripten's (WASI) errno numbers
// (ENOENT = 44) while its own `errno` module uses MicroPython's internal (Linux) numbers. Firmware
// that compares `e.errno == errno.ENOENT` would misbehave, so the worker translates at the one
// boundary every error crosses: the syscall imports of the wasm module. File-system numbers match
// an ESP32's; network ones follow this interpreter's `errno` module (an ESP32 uses lwIP's numbers,
// e.g. EHOSTUNREACH 118): firmware must compare with errno names, never with literal numbers. Codes the C code compares internally
// (EINTR, EAGAIN) map to the values MicroPython's stream layer expects (MP_EAGAIN = 11).

import { HEAP_QUESTION } from './heap-cap.js';

/** errno names with their Emscripten/WASI number and their Linux (MicroPython) number. */
const ERRNO_TABLE: ReadonlyArray<readonly [name: string, wasi: number, linux: number]> = [
  ['EPERM', 63, 1], ['ENOENT', 44, 2], ['EINTR', 27, 4], ['EIO', 29, 5], ['ENXIO', 60, 6],
  ['EBADF', 8, 9], ['EAGAIN', 6, 11], ['ENOMEM', 48, 12], ['EACCES', 2, 13], ['EFAULT', 21, 14],
  ['EBUSY', 10, 16], ['EEXIST', 20, 17], ['EXDEV', 75, 18], ['ENODEV', 43, 19], ['ENOTDIR', 54, 20],
  ['EISDIR', 31, 21], ['EINVAL', 28, 22], ['ENFILE', 41, 23], ['EMFILE', 33, 24], ['ENOTTY', 59, 25],
  ['EFBIG', 22, 27], ['ENOSPC', 51, 28], ['ESPIPE', 70, 29], ['EROFS', 69, 30], ['EPIPE', 64, 32],
  ['ERANGE', 68, 34], ['ENAMETOOLONG', 37, 36], ['ENOSYS', 52, 38], ['ENOTEMPTY', 55, 39],
  ['ENOTSOCK', 57, 88], ['EOPNOTSUPP', 138, 95], ['EADDRINUSE', 3, 98], ['ENETDOWN', 38, 100],
  ['ENETUNREACH', 40, 101], ['ECONNABORTED', 13, 103], ['ECONNRESET', 15, 104], ['ENOBUFS', 42, 105],
  ['EISCONN', 30, 106], ['ENOTCONN', 53, 107], ['ETIMEDOUT', 73, 110], ['ECONNREFUSED', 14, 111],
  ['EHOSTUNREACH', 23, 113], ['EALREADY', 7, 114], ['EINPROGRESS', 26, 115],
];

const wasiToLinux = new Map<number, number>(ERRNO_TABLE.map(([, wasi, linux]) => [wasi, linux]));
const linuxToWasi = new Map<number, number>(ERRNO_TABLE.map(([, wasi, linux]) => [linux, wasi]));
const byName = new Map<string, { wasi: number; linux: number }>(
  ERRNO_TABLE.map(([name, wasi, linux]) => [name, { wasi, linux }]),
);

/** The Emscripten (WASI) errno for a name: what JS code inside the FS must throw. */
export function wasiErrno(name: string): number {
  const entry = byName.get(name);
  if (!entry) throw new Error(`unknown errno name ${name}`);
  return entry.wasi;
}

/** The Linux/MicroPython errno for a name: what firmware sees in OSError.errno. */
export function linuxErrno(name: string): number {
  const entry = byName.get(name);
  if (!entry) throw new Error(`unknown errno name ${name}`);
  return entry.linux;
}

/** Maps a Node system error code ('ENOENT', ...) to the WASI errno, EIO when unknown. */
export function wasiErrnoForNodeCode(code: string | undefined): number {
  return (code && byName.get(code)?.wasi) || byName.get('EIO')!.wasi;
}

/** The WASI errno for a Linux one (what JS code inside the FS throws for it), EIO when unknown. */
export function wasiErrnoForLinux(linux: number): number {
  return linuxToWasi.get(linux) ?? byName.get('EIO')!.wasi;
}

export function translateWasiErrno(wasi: number): number {
  return wasiToLinux.get(wasi) ?? wasi;
}

type ImportFn = (...args: number[]) => number;
type ImportObject = Record<string, Record<string, unknown>>;

export interface StdioHook {
  /** Called after every write to fd 1 or 2 has been delivered to the stdout/stderr callbacks. */
  afterStdWrite(): void;
  /** Rewrites the module binary before instantiation (a string: why it was left as it is). */
  patchBinary?(binary: Uint8Array): Uint8Array | string;
  /** The GC asks whether its heap may grow (heap-cap.ts: emscripten_resize_heap(HEAP_QUESTION)). */
  heapQuestion?(): number;
  /** The instance's exports; `patchProblem` says why the binary was not patched, if it was not. */
  onInstance?(exports: Record<string, unknown>, patchProblem: string): void;
}

function wrapImports(imports: ImportObject, hook: StdioHook): ImportObject {
  const wrapped: ImportObject = {};
  for (const [moduleName, table] of Object.entries(imports)) {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(table)) {
      if (typeof value !== 'function') {
        out[name] = value;
      } else if (name.startsWith('__syscall_')) {
        const fn = value as ImportFn;
        // Syscalls return -errno on failure.
        out[name] = (...args: number[]) => {
          const ret = fn(...args);
          return typeof ret === 'number' && ret < 0 ? -translateWasiErrno(-ret) : ret;
        };
      } else if (name.startsWith('fd_')) {
        const fn = value as ImportFn;
        const isWrite = name === 'fd_write';
        // WASI calls return the errno itself (0 = success).
        out[name] = (...args: number[]) => {
          const ret = fn(...args);
          if (isWrite && (args[0] === 1 || args[0] === 2)) hook.afterStdWrite();
          return typeof ret === 'number' && ret > 0 ? translateWasiErrno(ret) : ret;
        };
      } else if (name === 'emscripten_resize_heap' && hook.heapQuestion) {
        const fn = value as ImportFn;
        const ask = hook.heapQuestion.bind(hook);
        out[name] = (size: number) => (size === HEAP_QUESTION ? ask() : fn(size));
      } else {
        out[name] = value;
      }
    }
    wrapped[moduleName] = out;
  }
  return wrapped;
}

/**
 * Patches WebAssembly.instantiate in this realm (a board worker) so the MicroPython module is
 * instantiated with translating imports. Must run before the module is loaded.
 */
export function installErrnoBridge(hook: StdioHook): void {
  type Instantiated = { instance?: { exports: Record<string, unknown> }; exports?: Record<string, unknown> };
  const wasm = (globalThis as unknown as { WebAssembly: unknown }).WebAssembly as {
    instantiate: (src: unknown, imports?: ImportObject) => Promise<Instantiated>;
  };
  const original = wasm.instantiate.bind(wasm);
  wasm.instantiate = async (src: unknown, imports?: ImportObject) => {
    const wrapped = imports ? wrapImports(imports, hook) : imports;
    let problem = hook.patchBinary ? 'the module was not given as bytes' : 'not asked to patch';
    let result: Instantiated | undefined;
    if (hook.patchBinary && (src instanceof Uint8Array || src instanceof ArrayBuffer)) {
      const patched = hook.patchBinary(src instanceof Uint8Array ? src : new Uint8Array(src));
      if (typeof patched === 'string') {
        problem = patched;
      } else {
        try {
          result = await original(patched, wrapped);
          problem = '';
        } catch (err) {
          problem = `the patched module was refused: ${(err as Error).message}`;
        }
      }
    }
    result ??= await original(src, wrapped);
    // Bytes give {module, instance}; a compiled Module gives the Instance itself.
    hook.onInstance?.(result.instance?.exports ?? result.exports ?? {}, problem);
    return result;
  };
}
