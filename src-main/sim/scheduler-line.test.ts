import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SchedulerLine } from './scheduler-line.js';
import { CTRL_I32, CTRL_SLOTS, MP_SCHED, SCHED_LOCK, TIMER_STRIDE } from './worker-protocol.js';

// The host side of machine.Timer against a stand-in of the interpreter's scheduler memory (the
// layout worker/scheduler-bridge.ts measures on the real one): what it queues, and when it
// leaves the queue alone because the interpreter or the worker may be using it.
const WORDS = { state: 64, len: 66, idx: 67, queue: 16, depth: 4 };
const CB = 0x37820;
const TIMER_OBJ = 0x379a0;

function setup() {
  const control = new SharedArrayBuffer(CTRL_SLOTS * 8);
  const memory = new SharedArrayBuffer(128);
  let wakes = 0;
  const line = new SchedulerLine(control, () => wakes++);
  line.attach(memory, { words: WORDS });
  const ctrl = new Int32Array(control);
  const i32 = new Int32Array(memory);
  const i16 = new Int16Array(memory);
  const u8 = new Uint8Array(memory);
  i16[WORDS.state / 2] = MP_SCHED.IDLE;
  const arm = (id: number) => {
    const base = CTRL_I32.TIMERS + id * TIMER_STRIDE;
    ctrl[base + 1] = CB;
    ctrl[base + 2] = TIMER_OBJ;
    ctrl[base] = 1;
  };
  // What the VM does at a pending check: take the head item and unlock to IDLE.
  const run = () => {
    const idx = u8[WORDS.idx]!;
    const item = [i32[(WORDS.queue + 8 * idx) / 4], i32[(WORDS.queue + 8 * idx + 4) / 4]];
    u8[WORDS.idx] = (idx + 1) & (WORDS.depth - 1);
    u8[WORDS.len] = u8[WORDS.len]! - 1;
    i16[WORDS.state / 2] = MP_SCHED.IDLE;
    return item;
  };
  return { line, ctrl, i16, u8, arm, run, wakes: () => wakes };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SchedulerLine (virtual board machine.Timer, host side)', () => {
  it('queues the callback with its Timer at the queue head on every tick, flags the scheduler and wakes the worker once', () => {
    const { line, i16, u8, arm, run, wakes } = setup();
    arm(3);
    line.timer(3, 100, true);
    vi.advanceTimersByTime(99);
    expect(u8[WORDS.len]).toBe(0);
    vi.advanceTimersByTime(1);
    expect([u8[WORDS.len], i16[WORDS.state / 2]]).toEqual([1, MP_SCHED.PENDING]);
    expect(run()).toEqual([CB, TIMER_OBJ]);
    expect(wakes()).toBe(1);
    vi.advanceTimersByTime(100);
    expect(run()).toEqual([CB, TIMER_OBJ]); // the next tick went to the next slot
    expect(u8[WORDS.idx]).toBe(2);
  });

  it('skips a tick while the scheduler runs a callback or holds one, and never queues for a stopped timer', () => {
    const { line, ctrl, i16, u8, arm } = setup();
    arm(0);
    line.timer(0, 10, true);
    i16[WORDS.state / 2] = -1; // LOCKED: the VM is inside its own dequeue
    vi.advanceTimersByTime(10);
    expect(u8[WORDS.len]).toBe(0);
    i16[WORDS.state / 2] = MP_SCHED.IDLE;
    vi.advanceTimersByTime(10);
    vi.advanceTimersByTime(10); // still queued: not a second copy
    expect(u8[WORDS.len]).toBe(1);
    u8[WORDS.len] = 0;
    ctrl[CTRL_I32.TIMERS] = 0; // timer_stop() in the worker, before its message arrives
    vi.advanceTimersByTime(10);
    expect(u8[WORDS.len]).toBe(0);
  });

  it('waits for the worker\'s lock; a one-shot is retried until it is queued, then fires no more', () => {
    const { line, ctrl, u8, arm, run } = setup();
    arm(1);
    ctrl[CTRL_I32.SCHED_LOCK] = SCHED_LOCK.WORKER; // micropython.schedule() in progress
    line.timer(1, 5, false);
    vi.advanceTimersByTime(5);
    expect(u8[WORDS.len]).toBe(0);
    ctrl[CTRL_I32.SCHED_LOCK] = SCHED_LOCK.FREE;
    vi.advanceTimersByTime(2);
    expect(run()).toEqual([CB, TIMER_OBJ]);
    vi.advanceTimersByTime(100);
    expect(u8[WORDS.len]).toBe(0);
  });

  it('flags a queued callback pending again when the VM set its scheduler IDLE over it', () => {
    const { line, i16, arm } = setup();
    arm(2);
    line.timer(2, 10, true);
    vi.advanceTimersByTime(10);
    i16[WORDS.state / 2] = MP_SCHED.IDLE; // an unlock that read the length just before our write
    vi.advanceTimersByTime(20);
    expect(i16[WORDS.state / 2]).toBe(MP_SCHED.PENDING);
  });

  it('fires nothing once the interpreter is gone', () => {
    const { line, u8, arm } = setup();
    arm(0);
    line.timer(0, 10, true);
    line.detach();
    vi.advanceTimersByTime(50);
    expect(u8[WORDS.len]).toBe(0);
  });
});
