import { describe, expect, it, vi } from 'vitest';
import type { MqbError } from '../common/errors.js';
import { decodeText } from '../common/protocol.js';
import { Engine } from './engine.js';
import { FakeSession } from './fake-session.js';
import { FakeSleepyBoard } from './fake-sleepy-board.js';
import { waitForWake } from './keep-awake.js';
import { wakeQueueOf } from './wake-queue.js';
import type { WakeJobInfo } from './wake-queue.js';

const profile = { id: 'p1', name: 'test', url: 'mqtt://127.0.0.1:1' };
const tick = () => new Promise((r) => setTimeout(r, 0));

async function rig(asleep = true) {
  const s = new FakeSession();
  const engine = new Engine({ openSession: () => Promise.resolve(Object.assign(s, { close: () => Promise.resolve() })) });
  await engine.connect(profile);
  const board = new FakeSleepyBoard(s);
  board.inner.evalHandler = (code) => `ran ${code}`;
  if (asleep) board.sleep();
  else s.deliver(`${board.prefix}/mqb/status`, board.status(false));
  const queue = wakeQueueOf(engine);
  const evalJob = (code: string, opts: { owner?: string; timeoutMs?: number; signal?: AbortSignal } = {}) =>
    queue.run('p1', board.prefix, { label: `eval ${code}`, ...opts }, async (c) => decodeText(await c.request('eval', { payload: code })));
  return { s, engine, board, queue, evalJob };
}

describe('WakeQueue', () => {
  it('runs at once on an online board, without awake', async () => {
    const { board, evalJob, engine } = await rig(false);
    expect(await evalJob('1')).toBe('ran 1');
    expect(board.awakeRequests).toEqual([]);
    await engine.close();
  });

  it('queues commands for a sleeping board, lists them, and at the wake sends awake first, runs them in order and releases', async () => {
    const { board, queue, evalJob, engine } = await rig();
    const lists: WakeJobInfo[][] = [];
    queue.on('changed', (c) => lists.push(c.jobs));
    const a = evalJob('1', { owner: 'ui-1' });
    const b = evalJob('2');
    expect(queue.list('p1').map((j) => [j.label, j.owner, j.running])).toEqual([['eval 1', 'ui-1', false], ['eval 2', undefined, false]]);
    await tick();
    expect(board.ran).toEqual([]); // nothing published while it sleeps
    board.wake();
    expect([await a, await b]).toEqual(['ran 1', 'ran 2']);
    await tick();
    expect(board.ran).toEqual(['awake', 'eval', 'eval', 'awake']);
    expect(board.awakeRequests).toEqual([60, 0]); // 2 jobs x 30 s, then released
    expect(lists.at(-1)).toEqual([]);
    expect(queue.list()).toEqual([]);
    await engine.close();
  });

  it('cancels a waiting job (by id, by its owner going, by its signal) and times out one whose board does not wake', async () => {
    const { board, queue, evalJob, engine } = await rig();
    const a = evalJob('1', { owner: 'ui-1' }).catch((e: MqbError) => e.code);
    const b = evalJob('2', { owner: 'ui-2' }).catch((e: MqbError) => e.code);
    const ctl = new AbortController();
    const c = evalJob('3', { signal: ctl.signal }).catch((e: MqbError) => e.code);
    const d = evalJob('4', { timeoutMs: 20 }).catch((e: MqbError) => e.message);
    const e = evalJob('5');
    const ids = queue.list().map((j) => j.id);
    expect(queue.cancel(ids[0]!, 'ui-2')).toBe(false); // not the owner's
    expect(queue.cancel(ids[0]!, 'ui-1')).toBe(true);
    queue.cancelOwner('ui-2', 'window closed');
    ctl.abort();
    expect([await a, await b, await c]).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(await d).toMatch(/did not wake within 0 s \(eval 4 not run\)/);
    board.wake();
    expect(await e).toBe('ran 5');
    expect(board.ran.filter((x) => x === 'eval')).toHaveLength(1);
    await engine.close();
  });

  it('a board that falls asleep again keeps the rest for the next wake; offline boards are refused', async () => {
    const { board, evalJob, engine, queue } = await rig();
    const a = evalJob('1');
    const b = evalJob('2');
    board.inner.evalHandler = (code) => {
      queueMicrotask(() => queueMicrotask(() => board.sleep())); // asleep right after answering the first one
      return `ran ${code}`;
    };
    board.wake();
    expect(await a).toBe('ran 1');
    await tick();
    expect(queue.list().map((j) => j.label)).toEqual(['eval 2']);
    board.inner.evalHandler = (code) => `ran ${code}`;
    board.wake();
    expect(await b).toBe('ran 2');
    board.session.deliver(`${board.prefix}/mqb/status`, JSON.stringify({ online: false }));
    expect(((await evalJob('3').catch((e: unknown) => e)) as MqbError).code).toBe('OFFLINE');
    await engine.close();
  });

  it('stayAwake asks at once or at the wake, and a hold is not released by the queue', async () => {
    const { board, queue, evalJob, engine } = await rig();
    const hold = queue.stayAwake('p1', board.prefix, 600);
    const job = evalJob('1');
    board.wake();
    await hold;
    await job;
    await tick();
    expect(board.awakeRequests).toEqual([30, 600]); // the queue's request, the hold; no release after it
    await engine.close();
  });

  it('waitForWake resolves at the online status; a will after the sleep announcement waits on; fails once the board missed its wakes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { board, engine } = await rig();
      const registry = engine.registry('p1');
      const woke = waitForWake(registry, board.prefix, { timeoutMs: 1000 });
      board.wake();
      expect((await woke).state.state).toBe('online');
      board.sleep();
      let outcome: string | undefined;
      void waitForWake(registry, board.prefix, { timeoutMs: 60_000 }).then(() => (outcome = 'woke'), (e: MqbError) => (outcome = e.code));
      // The DISCONNECT before the sleep got lost: the broker fires the will. Still asleep.
      board.session.deliver(`${board.prefix}/mqb/status`, JSON.stringify({ online: false }));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(outcome).toBeUndefined();
      // Wake at 10 s + 5 s margin, then a whole period more: it missed two wakes.
      await vi.advanceTimersByTimeAsync(16_000);
      expect(outcome).toBe('OFFLINE');
      await engine.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
