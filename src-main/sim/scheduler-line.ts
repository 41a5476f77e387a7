// machine.Timer for the virtual board, host side: the part an ESP32's esp_timer task plays. When
// a timer is due, its callback and Timer object are queued in the interpreter's scheduler queue
// in shared memory (worker/scheduler-bridge.ts found where), exactly what mp_sched_schedule()
// writes, so the VM runs the callback at its next pending check, between two bytecodes of
// whatever runs, a busy loop included. Never kinder than the port: a tick that finds the
// scheduler busy or its queue non-empty is skipped (the port would queue it), and a one-shot is
// retried until it is queued.
import type { SchedWords } from './worker-protocol.js';
import { CTRL_I32, MP_SCHED, SCHED_LOCK, TIMER_STRIDE } from './worker-protocol.js';

const RETRY_MS = 2;
/** A queued callback the VM has not looked at by then lost a race with its scheduler: re-flag it. */
const RECHECK_MS = 20;

interface Shared {
  i32: Int32Array;
  i16: Int16Array;
  u8: Uint8Array;
  words: SchedWords;
}

export class SchedulerLine {
  private readonly ctrl: Int32Array;
  private mem: Shared | undefined;
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private recheck: NodeJS.Timeout | undefined;
  /** Why timers cannot fire (diagnostics), '' when they can. */
  unavailable = 'the board is not running';

  constructor(
    control: SharedArrayBuffer,
    /** Asks the worker to run Python: an idle interpreter does not look at its queue by itself. */
    private readonly wake: () => void,
  ) {
    this.ctrl = new Int32Array(control);
  }

  attach(memory: SharedArrayBuffer | undefined, msg: { words: SchedWords } | { error: string }): void {
    this.detach();
    if ('error' in msg || !memory) {
      this.unavailable = 'error' in msg ? msg.error : 'the interpreter memory is not shared';
      return;
    }
    this.mem = { i32: new Int32Array(memory), i16: new Int16Array(memory), u8: new Uint8Array(memory), words: msg.words };
    this.unavailable = '';
  }

  /** The interpreter is gone (reset, power off): its timers stop with it. */
  detach(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    clearTimeout(this.recheck);
    this.mem = undefined;
    this.unavailable = 'the board is not running';
  }

  /** The worker armed timer `id` (ms > 0) or stopped it (ms 0). */
  timer(id: number, ms: number, periodic: boolean): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    if (ms <= 0) return;
    const t = periodic ? setInterval(() => this.fire(id, true), ms) : setTimeout(() => this.fire(id, false), ms);
    t.unref();
    this.timers.set(id, t);
  }

  private fire(id: number, periodic: boolean): void {
    const queued = this.withLock(() => {
      const base = CTRL_I32.TIMERS + id * TIMER_STRIDE;
      if (Atomics.load(this.ctrl, base) !== 1) return true; // stopped meanwhile: nothing owed
      const ok = this.enqueue(Atomics.load(this.ctrl, base + 1), Atomics.load(this.ctrl, base + 2));
      if (ok && !periodic) Atomics.store(this.ctrl, base, 0);
      return ok;
    });
    if (queued !== true && !periodic) {
      const t = setTimeout(() => this.fire(id, false), RETRY_MS);
      t.unref();
      this.timers.set(id, t);
    }
  }

  /** Runs `fn` holding the scheduler lock; undefined when the worker holds it (try again later). */
  private withLock<T>(fn: () => T): T | undefined {
    if (Atomics.compareExchange(this.ctrl, CTRL_I32.SCHED_LOCK, SCHED_LOCK.FREE, SCHED_LOCK.HOST) !== SCHED_LOCK.FREE) return undefined;
    try {
      return fn();
    } finally {
      Atomics.store(this.ctrl, CTRL_I32.SCHED_LOCK, SCHED_LOCK.FREE);
      Atomics.notify(this.ctrl, CTRL_I32.SCHED_LOCK);
    }
  }

  /**
   * What mp_sched_schedule(func, arg) does, into an empty queue of an idle scheduler only: then
   * the VM is not inside its own dequeue (it holds the scheduler LOCKED there).
   */
  private enqueue(func: number, arg: number): boolean {
    const m = this.mem;
    if (!m) return false;
    const { i32, i16, u8, words: w } = m;
    if (this.reflag(m) || Atomics.load(i16, w.state / 2) !== MP_SCHED.IDLE) return false;
    const slot = (w.queue + 8 * Atomics.load(u8, w.idx)) / 4;
    Atomics.store(i32, slot, func);
    Atomics.store(i32, slot + 1, arg);
    Atomics.store(u8, w.len, 1);
    Atomics.compareExchange(i16, w.state / 2, MP_SCHED.IDLE, MP_SCHED.PENDING);
    if (Atomics.exchange(this.ctrl, CTRL_I32.SCHED_WAKE, 1) === 0) this.wake();
    clearTimeout(this.recheck);
    this.recheck = setTimeout(() => this.withLock(() => this.mem && this.reflag(this.mem)), RECHECK_MS);
    this.recheck.unref();
    return true;
  }

  /**
   * True while the queue holds something. The VM updates its state with plain stores: one that
   * read the length just before our write can leave a queued callback with the scheduler IDLE,
   * which nothing would ever look at. Flag it pending again then.
   */
  private reflag(m: Shared): boolean {
    if (Atomics.load(m.u8, m.words.len) === 0) return false;
    Atomics.compareExchange(m.i16, m.words.state / 2, MP_SCHED.IDLE, MP_SCHED.PENDING);
    return true;
  }
}
