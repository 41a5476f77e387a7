// machine.Timer for the virtual board, worker side. On an ESP32 a Timer's callback is queued by
// the esp_timer task (mp_sched_schedule from outside the interpreter) and runs between two
// bytecodes of whatever Python code runs, a busy loop included; the REPL's Ctrl-C check depends
// on that (board/lib/mqb_tty_out.py). This thread cannot do it while Python is busy, so the host
// does (scheduler-line.ts): at start-up the worker finds where the scheduler queue lives by
// scheduling a known callable and looking where its address was written, and hands that over.
//
// The host and the interpreter then share the queue. The VM's own dequeue only runs while the
// host leaves the queue alone (the host adds only to an empty queue of an idle scheduler); every
// other writer, micropython.schedule() from Python, takes the lock word the host takes.
import type { SchedWords, WorkerToHost } from '../worker-protocol.js';
import { CTRL_I32, MP_SCHED, SCHED_LOCK, TIMER_COUNT, TIMER_STRIDE } from '../worker-protocol.js';
import type { WasmMemory } from './shared-memory.js';
import { changedWords, snapshot } from './keyboard-interrupt.js';

const MAX_DEPTH = 64;

/** The scheduler's int16 state and the two bytes after it, read as one little-endian word. */
const stateWord = (state: number, len: number, idx: number) => (state & 0xffff) | (len << 16) | (idx << 24);

/**
 * Finds the scheduler queue. `run` runs Python in __main__, `value` reads a global there. The
 * scheduler must be idle with an empty queue at index 0 (a fresh interpreter): each step checks
 * the state word against what py/scheduler.c writes, else returns why (then there are no timers).
 */
export function calibrateScheduler(
  memory: WasmMemory,
  scanBytes: number,
  schedState: number,
  run: (code: string) => void,
  value: (name: string) => unknown,
): SchedWords | string {
  const bytes = Math.min(scanBytes, memory.buffer.byteLength) & ~3;
  const word = () => new Int32Array(memory.buffer)[schedState / 4]!;
  run('import micropython\n_sf = lambda a: None\n_sa = bytearray(1)\n_sid = "%d %d" % (id(_sf), id(_sa))\n');
  const [func, arg] = String(value('_sid')).split(' ').map(Number) as [number, number];
  if (word() !== stateWord(MP_SCHED.IDLE, 0, 0)) return `the scheduler is not idle (${word().toString(16)})`;
  const slots: number[] = [];
  for (let k = 0; k < MAX_DEPTH; k++) {
    const before = snapshot(memory, bytes);
    // No try/except in Python: leaving a try block is a jump, where the VM would run the callback.
    try {
      run('micropython.schedule(_sf, _sa)\n');
    } catch {
      break; // RuntimeError: schedule queue full
    }
    const changed = changedWords(before, memory);
    const at = changed.filter(([i, , now]) => now === func && changed.some(([j, , a]) => j === i + 1 && a === arg));
    if (at.length !== 1) return `schedule() wrote its callable at ${at.length} places`;
    slots.push(at[0]![0] * 4);
    if (word() !== stateWord(MP_SCHED.PENDING, k + 1, 0)) return `unexpected scheduler state ${word().toString(16)} after ${k + 1} schedule() calls`;
  }
  const depth = slots.length;
  if (depth === 0 || depth & (depth - 1) || slots.some((a, k) => a !== slots[0]! + 8 * k)) return `unexpected queue layout (${slots.join(',')})`;
  // Each pending check runs one callback: a loop of depth + 1 backward jumps runs them all, and
  // the head index wraps back to 0.
  run(`for _ in range(${depth + 1}):\n    pass\nfor _n in ("_sf", "_sa", "_sid", "_"):\n    globals().pop(_n, None)\n`);
  if (word() !== stateWord(MP_SCHED.IDLE, 0, 0)) return `the queue was not emptied (${word().toString(16)})`;
  return { state: schedState, len: schedState + 2, idx: schedState + 3, queue: slots[0]!, depth };
}

/** The worker's side of the lock and of the timers' control slots (`_simhost` calls these). */
export class SchedulerBridge {
  private readonly ctrl: Int32Array;

  constructor(
    control: SharedArrayBuffer,
    /** Why timers cannot run, '' when they can. */
    readonly problem: string,
    private readonly post: (msg: WorkerToHost) => void,
  ) {
    this.ctrl = new Int32Array(control);
    Atomics.store(this.ctrl, CTRL_I32.SCHED_LOCK, SCHED_LOCK.FREE);
    Atomics.store(this.ctrl, CTRL_I32.SCHED_WAKE, 0);
    for (let id = 0; id < TIMER_COUNT; id++) Atomics.store(this.ctrl, CTRL_I32.TIMERS + id * TIMER_STRIDE, 0);
  }

  /** Around micropython.schedule(): the host holds the lock for a few microseconds at most. */
  hold(on: boolean): void {
    if (!on) {
      Atomics.store(this.ctrl, CTRL_I32.SCHED_LOCK, SCHED_LOCK.FREE);
      return;
    }
    while (Atomics.compareExchange(this.ctrl, CTRL_I32.SCHED_LOCK, SCHED_LOCK.FREE, SCHED_LOCK.WORKER) !== SCHED_LOCK.FREE) {
      Atomics.wait(this.ctrl, CTRL_I32.SCHED_LOCK, SCHED_LOCK.HOST, 1);
    }
  }

  /** Arms timer `id` with the addresses of its callback and of the Timer object; '' or why not. */
  start(id: number, ms: number, periodic: boolean, func: number, arg: number): string {
    if (this.problem) return `virtual board: no timers (${this.problem})`;
    this.hold(true);
    const base = CTRL_I32.TIMERS + id * TIMER_STRIDE;
    Atomics.store(this.ctrl, base + 1, func);
    Atomics.store(this.ctrl, base + 2, arg);
    Atomics.store(this.ctrl, base, 1);
    this.hold(false);
    this.post({ type: 'timer', id, ms, periodic });
    return '';
  }

  /**
   * Disarms timer `id`. Once this returns the host queues nothing more for it, so the Python side
   * may drop the objects (a callback already queued is kept alive by the queue, a GC root).
   */
  stop(id: number): void {
    this.hold(true);
    Atomics.store(this.ctrl, CTRL_I32.TIMERS + id * TIMER_STRIDE, 0);
    this.hold(false);
    this.post({ type: 'timer', id, ms: 0, periodic: false });
  }

  /** The host asked for a run of what it queued; true the first time since it last asked. */
  takeWake(): boolean {
    return Atomics.exchange(this.ctrl, CTRL_I32.SCHED_WAKE, 0) === 1;
  }
}
