// OTA to a battery board: kept awake while it runs, and continued at the next wake when the board
// went to sleep anyway (the upload resumes where its progress record says).
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.js';
import { FakeSession } from './fake-session.js';
import { FakeSleepyBoard } from './fake-sleepy-board.js';
import { wakeHooks } from './keep-awake.js';
import { OtaEngine } from './ota-engine.js';
import type { OtaProgress } from './ota-engine.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function rig() {
  const s = new FakeSession();
  const engine = new Engine({ openSession: () => Promise.resolve(Object.assign(s, { close: () => Promise.resolve() })) });
  await engine.connect({ id: 'p1', name: 'test', url: 'mqtt://127.0.0.1:1' });
  const board = new FakeSleepyBoard(s);
  return { engine, board, registry: engine.registry('p1') };
}

describe('OTA to a sleepy board', () => {
  it('waits for the wake, keeps the board awake, and resumes at the next wake when it slept mid-upload', async () => {
    const { engine, board, registry } = await rig();
    board.sleep();
    const image = randomBytes(300_000);
    image[0] = 0xe9;
    board.inner.cutAfterBytes = 150_000;
    const events: OtaProgress[] = [];
    const ota = new OtaEngine();
    ota.on('progress', (p) => events.push(p));
    // The board wakes now, goes to sleep when the cut hits, and wakes again a little later.
    setTimeout(() => board.wake(), 10);
    const watch = setInterval(() => {
      if (board.inner.down && !board.asleep) {
        board.sleep();
        setTimeout(() => board.wake(), 20);
      }
    }, 2);
    const client = engine.board('p1', board.prefix, { timeoutMs: 1000 });
    const [r] = await ota.start([{ board: client, image }], { attempts: 1, sleep: async () => {}, ...wakeHooks(() => registry, 10_000) });
    clearInterval(watch);
    expect(r).toMatchObject({ ok: true, resumedFrom: 131_072 });
    expect(board.inner.booted).toBe(sha(image));
    expect(board.awakeRequests.length).toBeGreaterThanOrEqual(2); // one per attempt at least
    expect(board.awakeRequests.every((s) => s === 60)).toBe(true);
    const texts = events.map((e) => `${e.phase}: ${e.message ?? ''}`);
    expect(texts[1]).toBe('queued: bat/b1 is asleep: continuing at its next wake');
    expect(texts.some((t) => /^resuming: .*went to sleep.*; bat\/b1 is asleep: continuing at its next wake$/.test(t))).toBe(true);
    await engine.close();
  });

  it('fails when the board does not wake before the deadline', async () => {
    const { engine, board, registry } = await rig();
    board.sleep();
    const image = randomBytes(10_000);
    const [r] = await new OtaEngine().start([{ board: engine.board('p1', board.prefix), image }], { ...wakeHooks(() => registry, 30) });
    expect(r).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(board.ran).toEqual([]);
    await engine.close();
  });
});
