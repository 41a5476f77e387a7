// Ctrl-C for the virtual board, host side: raises KeyboardInterrupt in the Python code a board
// is running by writing into its interpreter's shared memory exactly what the interpreter's own
// mp_sched_keyboard_interrupt() writes (the worker measured where: worker/keyboard-interrupt.ts).
// This works while the worker thread is stuck in a busy loop, which no message could reach.
import type { KbdWords } from './worker-protocol.js';
import { CTRL_I32, KBD_GATE, MP_SCHED } from './worker-protocol.js';

/** Re-checks after a write: a scheduler update racing with it may have hidden the interrupt. */
const REASSERT_MS = 20;
const REASSERT_TRIES = 10;

export class InterruptLine {
  private readonly gate: Int32Array;
  private memory: Int32Array | undefined;
  /** The same memory as int16s: sched_state is one, and the queue's length and index follow it. */
  private memory16: Int16Array | undefined;
  private words: KbdWords | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Why the current interpreter cannot be interrupted (for diagnostics). */
  unavailable = 'the board is not running';

  constructor(control: SharedArrayBuffer) {
    this.gate = new Int32Array(control);
  }

  /** A new interpreter announced its memory (or why it has none to share). */
  attach(msg: { memory: SharedArrayBuffer; words: KbdWords } | { error: string }): void {
    this.detach();
    if ('error' in msg) {
      this.unavailable = msg.error;
      return;
    }
    this.memory = new Int32Array(msg.memory);
    this.memory16 = new Int16Array(msg.memory);
    this.words = msg.words;
    this.unavailable = '';
  }

  /** The interpreter is gone (reset, power off). */
  detach(): void {
    clearTimeout(this.timer);
    this.memory = this.memory16 = this.words = undefined;
    this.unavailable = 'the board is not running';
  }

  /**
   * Raises KeyboardInterrupt in the running Python code. False when nothing could be interrupted:
   * no terminal stream is attached (no REPL statement or eval is running) or no interpreter.
   */
  interrupt(): boolean {
    if (!this.memory || !this.words) return false;
    for (;;) {
      if (this.acquire()) break;
      const state = Atomics.load(this.gate, CTRL_I32.KBD_GATE);
      // A printing statement moves the gate between OPEN and TERMINAL on every print: a state
      // that changed since acquire() looked is no refusal, only CLOSED is.
      if (state === KBD_GATE.OPEN || state === KBD_GATE.FIRED) continue;
      if (state !== KBD_GATE.TERMINAL) return false;
      // The worker runs the terminal's own code: it delivers the interrupt when that returns.
      Atomics.store(this.gate, CTRL_I32.KBD_DEFERRED, 1);
      if (Atomics.load(this.gate, CTRL_I32.KBD_GATE) === KBD_GATE.TERMINAL) return true;
      // It left meanwhile: take the request back unless it already delivered it, then retry.
      if (Atomics.exchange(this.gate, CTRL_I32.KBD_DEFERRED, 0) === 0) return true;
    }
    try {
      this.write();
    } finally {
      this.release();
    }
    this.reassert(REASSERT_TRIES);
    return true;
  }

  private acquire(): boolean {
    for (const from of [KBD_GATE.OPEN, KBD_GATE.FIRED]) {
      if (Atomics.compareExchange(this.gate, CTRL_I32.KBD_GATE, from, KBD_GATE.WRITING) === from) return true;
    }
    return false;
  }

  private release(): void {
    Atomics.store(this.gate, CTRL_I32.KBD_GATE, KBD_GATE.FIRED);
    Atomics.notify(this.gate, CTRL_I32.KBD_GATE);
  }

  // In the order the C function writes: traceback, pending exception, then the scheduler flag
  // (only from IDLE: LOCKED means the scheduler runs and sets PENDING itself when it unlocks).
  private write(): void {
    const m = this.memory!;
    const w = this.words!;
    Atomics.store(m, w.traceback / 4, 0);
    Atomics.store(m, w.pending / 4, w.exception);
    Atomics.compareExchange(this.memory16!, w.schedState / 2, MP_SCHED.IDLE, MP_SCHED.PENDING);
  }

  // The VM clears the pending flag with plain stores; one that read the old state just before
  // our write can leave the exception pending with the flag IDLE. Set the flag again then.
  private reassert(tries: number): void {
    clearTimeout(this.timer);
    if (tries <= 0) return;
    this.timer = setTimeout(() => {
      const m = this.memory;
      const w = this.words;
      if (!m || !w || Atomics.load(m, w.pending / 4) !== w.exception) return; // raised (or withdrawn)
      if (this.acquire()) {
        try {
          if (Atomics.load(m, w.pending / 4) === w.exception) Atomics.compareExchange(this.memory16!, w.schedState / 2, MP_SCHED.IDLE, MP_SCHED.PENDING);
        } finally {
          this.release();
        }
      }
      this.reassert(tries - 1);
    }, REASSERT_MS);
    this.timer.unref();
  }
}
