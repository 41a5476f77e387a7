// Ctrl-C for the virtual board, worker side. A KeyboardInterrupt is what the interpreter's own
// mp_sched_keyboard_interrupt() (exported by the wasm build) schedules: it stores the interpreter's
// static KeyboardInterrupt object as the pending exception, clears that object's traceback and
// flags the scheduler as pending; the VM raises the exception at its next pending-exception check
// (every backward jump). Only this thread could call the export, and it is blocked while Python
// code is busy, so at start-up the worker learns WHICH words that function writes (by calling it
// and diffing memory) and hands them to the host, which writes the same words into the shared
// memory itself (interrupt-line.ts).
//
// The host may only do that while the firmware has a terminal stream attached (os.dupterm), the
// way a Ctrl-C typed on a REPL stream reaches running code on an ESP32; the gate word in the
// control block says whether it is allowed, and the two threads hand it over with Atomics.
import type { KbdWords } from '../worker-protocol.js';
import type { WasmMemory } from './shared-memory.js';
import { CTRL_I32, KBD_GATE, MP_SCHED } from '../worker-protocol.js';

const DIFF_BLOCK = 64 * 1024;

/** A copy of the first `bytes` of the memory (the static data: see calibrateKeyboardInterrupt). */
export function snapshot(memory: WasmMemory, bytes: number): Buffer {
  return Buffer.from(new Uint8Array(memory.buffer, 0, bytes).slice().buffer);
}

/** 32-bit words that differ from the snapshot now: [index, before, after]. memcmp per block first. */
export function changedWords(before: Buffer, memory: WasmMemory): Array<[number, number, number]> {
  const live = Buffer.from(memory.buffer, 0, before.length);
  const out: Array<[number, number, number]> = [];
  for (let off = 0; off < before.length; off += DIFF_BLOCK) {
    const end = Math.min(before.length, off + DIFF_BLOCK);
    if (before.compare(live, off, end, off, end) === 0) continue;
    for (let i = off; i < end; i += 4) {
      const was = before.readInt32LE(i);
      const now = live.readInt32LE(i);
      if (was !== now) out.push([i / 4, was, now]);
    }
  }
  return out;
}

/**
 * Finds the words mp_sched_keyboard_interrupt() writes. `raise` calls the export; `consume`
 * runs Python that catches the KeyboardInterrupt. `scanBytes` bounds the search: the words are
 * interpreter state in static memory, which Emscripten places after the stack and before the
 * heap (so below any malloc() result). Returns a reason string when the memory does not change
 * the way the interpreter's source says it must (then the host cannot interrupt).
 */
export function calibrateKeyboardInterrupt(memory: WasmMemory, scanBytes: number, raise: () => void, consume: () => void): KbdWords | string {
  const bytes = Math.min(scanBytes, memory.buffer.byteLength) & ~3;
  const live = () => new Int32Array(memory.buffer);
  // First call: the pending exception (NULL -> &mp_kbd_exception) and sched_state (IDLE -> PENDING).
  let before = snapshot(memory, bytes);
  raise();
  const first = changedWords(before, memory);
  const pending = first.find(([, was, now]) => was === 0 && now > 0);
  const sched = first.find(([, was, now]) => was === MP_SCHED.IDLE && now === MP_SCHED.PENDING);
  if (first.length !== 2 || !pending || !sched) return `unexpected memory changes (${first.length} words)`;
  consume();
  const m = live();
  if (m[pending[0]] !== 0 || m[sched[0]] !== MP_SCHED.IDLE) return 'the KeyboardInterrupt was not consumed';
  // Second call, now that the exception object carries a traceback: that pointer is cleared too.
  const exception = pending[2];
  before = snapshot(memory, bytes);
  raise();
  const second = changedWords(before, memory);
  consume();
  const traceback = second.find(([i, , now]) => now === 0 && i * 4 > exception && i * 4 < exception + 16);
  if (second.length !== 3 || !traceback) return `unexpected memory changes on a second interrupt (${second.length} words)`;
  return { pending: pending[0] * 4, exception, schedState: sched[0] * 4, traceback: traceback[0] * 4 };
}

/** The worker's side of the gate: open while a terminal stream is attached. */
export class InterruptGate {
  private readonly ctrl: Int32Array;

  constructor(
    control: SharedArrayBuffer,
    private readonly memory: Int32Array | undefined,
    private readonly words: KbdWords | undefined,
    private readonly schedule: () => void,
  ) {
    this.ctrl = new Int32Array(control);
    Atomics.store(this.ctrl, CTRL_I32.KBD_GATE, KBD_GATE.CLOSED);
    Atomics.store(this.ctrl, CTRL_I32.KBD_DEFERRED, 0);
  }

  open(): void {
    Atomics.store(this.ctrl, CTRL_I32.KBD_GATE, KBD_GATE.OPEN);
  }

  /**
   * Closes the gate: waits out a host write in progress, then withdraws a host interrupt that the
   * VM has not raised yet (the code it was meant for has returned; it must not hit whatever runs
   * next, such as the asyncio loop).
   */
  close(): void {
    const was = this.take(KBD_GATE.CLOSED);
    Atomics.store(this.ctrl, CTRL_I32.KBD_DEFERRED, 0);
    const { memory, words } = this;
    if (was === KBD_GATE.FIRED && memory && words && Atomics.load(memory, words.pending / 4) === words.exception) {
      Atomics.store(memory, words.pending / 4, 0);
    }
  }

  /**
   * Runs the terminal stream's own code (os.dupterm output). A host Ctrl-C meanwhile is held and
   * delivered when it returns, so it is raised in the code that printed: one raised inside the
   * stream's write() could tear what the stream was doing (a half-counted MQTT message).
   */
  inTerminal(run: () => void): void {
    const was = this.take(KBD_GATE.TERMINAL);
    try {
      run();
    } finally {
      const deferred = Atomics.exchange(this.ctrl, CTRL_I32.KBD_DEFERRED, 0) === 1;
      // Unless the terminal's code detached the terminal itself (then the gate stays closed).
      const back = deferred ? KBD_GATE.FIRED : was;
      if (was !== KBD_GATE.CLOSED && Atomics.compareExchange(this.ctrl, CTRL_I32.KBD_GATE, KBD_GATE.TERMINAL, back) === KBD_GATE.TERMINAL && deferred) {
        this.schedule();
      }
    }
  }

  /** Moves the gate to `to` once the host is not writing; returns the state it had. */
  private take(to: number): number {
    for (;;) {
      const was = Atomics.load(this.ctrl, CTRL_I32.KBD_GATE);
      if (was === KBD_GATE.WRITING) {
        Atomics.wait(this.ctrl, CTRL_I32.KBD_GATE, KBD_GATE.WRITING, 5);
        continue;
      }
      const next = was === KBD_GATE.CLOSED && to === KBD_GATE.TERMINAL ? KBD_GATE.CLOSED : to;
      if (Atomics.compareExchange(this.ctrl, CTRL_I32.KBD_GATE, was, next) === was) return was;
    }
  }
}

/** The exports of the wasm build this needs (on the Emscripten Module object). */
export interface KbdExports {
  _mp_sched_keyboard_interrupt(): void;
  _mp_hal_get_interrupt_char(): number;
}

/** Where the heap starts, from the raw wasm exports: the first malloc() result. */
export function heapStart(exports: Record<string, unknown>): number {
  const malloc = exports.malloc as ((n: number) => number) | undefined;
  const free = exports.free as ((p: number) => void) | undefined;
  if (!malloc || !free) return Infinity;
  const p = malloc(16);
  free(p);
  return p;
}

/**
 * Measures the interrupt words, tells the host (a `kbd` message), and returns the gate plus a
 * way for the worker itself to deliver a Ctrl-C character (os.dupterm_notify on a stream that
 * reads one): the interpreter's own check against its interrupt character (micropython.kbd_intr).
 */
export function setUpKeyboardInterrupt(opts: {
  memory: WasmMemory | undefined;
  /** Bytes of memory to search (heapStart()). */
  scanBytes: number;
  problem: string;
  exports: KbdExports;
  runPython: (code: string) => unknown;
  control: SharedArrayBuffer;
  post: (msg: { type: 'kbd'; memory: SharedArrayBuffer; words: KbdWords } | { type: 'kbd'; error: string }) => void;
}): { gate: InterruptGate; typeChar: (c: number) => boolean; scheduleInterrupt: () => void; words: KbdWords | string } {
  const { memory, exports } = opts;
  let words: KbdWords | string = opts.problem || 'the interpreter memory is not shared';
  if (memory && !opts.problem) {
    words = calibrateKeyboardInterrupt(
      memory,
      opts.scanBytes,
      () => exports._mp_sched_keyboard_interrupt(),
      () => opts.runPython('try:\n    for _kbd in (0, 1):\n        pass\nexcept KeyboardInterrupt:\n    pass\nglobals().pop("_kbd", None)\n'),
    );
  }
  if (typeof words === 'string') opts.post({ type: 'kbd', error: words });
  else opts.post({ type: 'kbd', memory: memory!.buffer as SharedArrayBuffer, words });
  const scheduleInterrupt = () => exports._mp_sched_keyboard_interrupt();
  const gate = new InterruptGate(
    opts.control,
    memory && typeof words !== 'string' ? new Int32Array(memory.buffer) : undefined,
    typeof words === 'string' ? undefined : words,
    scheduleInterrupt,
  );
  const typeChar = (c: number) => {
    if (c !== exports._mp_hal_get_interrupt_char()) return false;
    exports._mp_sched_keyboard_interrupt();
    return true;
  };
  return { gate, typeChar, scheduleInterrupt, words };
}
