import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptLine } from './interrupt-line.js';
import { CTRL_I32, CTRL_SLOTS, KBD_GATE, MP_SCHED } from './worker-protocol.js';

// The host side of the virtual board's Ctrl-C against a stand-in interpreter memory: what it
// writes, when it refuses, and how it meets a worker that moves the gate at the same time.
const WORDS = { pending: 0, exception: 0x4242, schedState: 4, traceback: 8 };

function setup() {
  const control = new SharedArrayBuffer(CTRL_SLOTS * 8);
  const memory = new SharedArrayBuffer(64);
  const line = new InterruptLine(control);
  line.attach({ memory, words: WORDS });
  const gate = new Int32Array(control);
  const mem = new Int32Array(memory);
  mem[WORDS.schedState / 4] = MP_SCHED.IDLE;
  mem[WORDS.traceback / 4] = 77;
  return { control, line, gate, mem };
}

let worker: Worker | undefined;
afterEach(async () => {
  await worker?.terminate();
  worker = undefined;
});

describe('InterruptLine (virtual board Ctrl-C, host side)', () => {
  it('refuses while no terminal stream is attached, and writes what the interpreter would once one is', () => {
    const { line, gate, mem } = setup();
    expect(line.interrupt()).toBe(false);
    expect(mem[WORDS.pending / 4]).toBe(0);

    Atomics.store(gate, CTRL_I32.KBD_GATE, KBD_GATE.OPEN);
    expect(line.interrupt()).toBe(true);
    expect(mem[WORDS.pending / 4]).toBe(WORDS.exception);
    expect(mem[WORDS.schedState / 4]).toBe(MP_SCHED.PENDING);
    expect(mem[WORDS.traceback / 4]).toBe(0);
    expect(Atomics.load(gate, CTRL_I32.KBD_GATE)).toBe(KBD_GATE.FIRED);
    line.detach();
    expect(line.interrupt()).toBe(false);
  });

  it('sets only the 16-bit scheduler state: the queue length and index beside it may be in use', () => {
    const { line, gate, mem } = setup();
    // sched_state IDLE, one callback queued at index 2 (machine.Timer ticks keep the queue busy).
    mem[WORDS.schedState / 4] = MP_SCHED.IDLE | (1 << 16) | (2 << 24);
    Atomics.store(gate, CTRL_I32.KBD_GATE, KBD_GATE.OPEN);
    expect(line.interrupt()).toBe(true);
    expect(mem[WORDS.schedState / 4]).toBe(MP_SCHED.PENDING | (1 << 16) | (2 << 24));
  });

  it('leaves the interrupt to the worker while the terminal stream\'s own code runs', () => {
    const { line, gate, mem } = setup();
    Atomics.store(gate, CTRL_I32.KBD_GATE, KBD_GATE.TERMINAL);
    expect(line.interrupt()).toBe(true);
    expect(Atomics.load(gate, CTRL_I32.KBD_DEFERRED)).toBe(1);
    expect(mem[WORDS.pending / 4]).toBe(0);
  });

  it('never refuses while a printing statement moves the gate between open and terminal', async () => {
    const { control, line, gate } = setup();
    Atomics.store(gate, CTRL_I32.KBD_GATE, KBD_GATE.OPEN);
    // The worker side of a `while True: print(...)`: every print enters and leaves the stream's
    // code (InterruptGate.inTerminal), as fast as it can.
    worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const g = new Int32Array(workerData.control);
       const [GATE, DEFERRED, OPEN, WRITING, FIRED, TERMINAL] = workerData.k;
       Atomics.store(g, 0, 1);
       for (;;) {
         const was = Atomics.load(g, GATE);
         if (was === WRITING) continue;
         if (Atomics.compareExchange(g, GATE, was, TERMINAL) !== was) continue;
         const back = Atomics.exchange(g, DEFERRED, 0) === 1 ? FIRED : was;
         Atomics.compareExchange(g, GATE, TERMINAL, back);
       }`,
      { eval: true, workerData: { control, k: [CTRL_I32.KBD_GATE, CTRL_I32.KBD_DEFERRED, KBD_GATE.OPEN, KBD_GATE.WRITING, KBD_GATE.FIRED, KBD_GATE.TERMINAL] } },
    );
    while (Atomics.load(gate, 0) !== 1) await new Promise((r) => setTimeout(r, 5));
    let refused = 0;
    const tries = 200_000;
    for (let i = 0; i < tries; i++) if (!line.interrupt()) refused++;
    line.detach();
    expect(refused, `refused ${refused} of ${tries}`).toBe(0);
  });
});
