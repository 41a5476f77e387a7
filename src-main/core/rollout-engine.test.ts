import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { BoardStatus } from '../common/board-status.js';
import { parseBoardStatus } from '../common/board-status.js';
import { encodeText } from '../common/protocol.js';
import { DEFAULT_THRESHOLD } from '../common/rollout-plan.js';
import type { HealthGate, RolloutDefinition } from '../common/rollout-plan.js';
import { createRollout } from '../common/rollout-state.js';
import type { Rollout } from '../common/rollout-state.js';
import type { BoardEntry, FleetRegistryEvents } from './fleet-registry.js';
import { RolloutRunner } from './rollout-engine.js';
import type { BoardOutcome, BoardUpdater } from './rollout-engine.js';
import { firmwareGate } from './rollout-gate.js';

const prefixes = (n: number) => Array.from({ length: n }, (_, i) => `sim/b${i + 1}`);

function definition(over: Partial<RolloutDefinition> = {}): RolloutDefinition {
  return {
    id: 'r', createdAt: 0, patterns: ['sim/*'], waves: [{ count: 1 }, { percent: 100 }], threshold: DEFAULT_THRESHOLD, concurrency: 2,
    gate: { onlineWithinS: 1, confirmWithinS: 1, stableS: 0.05 },
    what: { kind: 'firmware', file: 'fw.bin', sha256: 'ab', size: 1, version: 'v2', project: 'mp' },
    ...over,
  };
}

class MemoryStore {
  saved: Rollout[] = [];
  async save(r: Rollout) {
    this.saved.push(structuredClone(r));
  }
}

/** An updater whose outcome per board is scripted; records the order and how many ran at once. */
function scripted(outcomes: Record<string, BoardOutcome>, delayMs = 5) {
  const started: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const updater: BoardUpdater = {
    currentVersion: () => 'v1',
    async update(prefix, ctx) {
      started.push(prefix);
      maxRunning = Math.max(maxRunning, ++running);
      try {
        ctx.uploaded();
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, delayMs);
          ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('stopped'))), { once: true });
        });
        return outcomes[prefix] ?? { kind: 'healthy', fw: 'v2' };
      } finally {
        running--;
      }
    },
  };
  return { updater, started, maxRunning: () => maxRunning };
}

describe('RolloutRunner', () => {
  it('updates the canary, then the rest two at a time, saving every change, until done', async () => {
    const store = new MemoryStore();
    const u = scripted({});
    const runner = new RolloutRunner(createRollout(definition(), prefixes(5), 0), { updater: u.updater, store });
    const r = await runner.run();
    expect(r.status).toBe('done');
    expect(u.started[0]).toBe('sim/b1');
    expect(u.maxRunning()).toBe(2);
    expect(Object.values(r.boards).map((b) => [b.phase, b.fromFw, b.fw])).toEqual(Array(5).fill(['healthy', 'v1', 'v2']));
    expect(store.saved.at(-1)).toEqual(r);
    // The canary was healthy before any other board started.
    const firstOther = store.saved.findIndex((s) => s.boards['sim/b2']!.phase !== 'pending');
    expect(store.saved[firstOther - 1]!.boards['sim/b1']!.phase).toBe('healthy');
  });

  it('stops after a failed canary and touches no other board', async () => {
    const u = scripted({ 'sim/b1': { kind: 'failed', reason: 'reset before confirming v2; back on v1 on ota_0', rolledBack: true, fw: 'v1' } });
    const r = await new RolloutRunner(createRollout(definition(), prefixes(5), 0), { updater: u.updater, store: new MemoryStore() }).run();
    expect(r.status).toBe('paused');
    expect(u.started).toEqual(['sim/b1']);
    expect(r.boards['sim/b1']).toMatchObject({ phase: 'rolled-back', fw: 'v1' });
  });

  it('an updater that throws fails that board with the message', async () => {
    const updater: BoardUpdater = { currentVersion: () => undefined, update: () => Promise.reject(new Error('socket gone')) };
    const r = await new RolloutRunner(createRollout(definition({ waves: [{ percent: 100 }], threshold: { maxBoards: 5, maxPercent: 100 } }), prefixes(2), 0), { updater, store: new MemoryStore() }).run();
    expect(r.status).toBe('failed');
    expect(r.boards['sim/b1']).toMatchObject({ phase: 'failed', reason: 'socket gone' });
  });

  it('an interrupting pause stops boards in flight; resumed from the saved state, healthy boards are not redone', async () => {
    const store = new MemoryStore();
    const first = scripted({}, 200);
    const runner = new RolloutRunner(createRollout(definition(), prefixes(3), 0), { updater: first.updater, store });
    runner.on('progress', (p) => {
      if (p.type === 'state' && p.event.type === 'board-started' && p.event.prefix === 'sim/b2') runner.pause('Ctrl-C', true);
    });
    const paused = await runner.run();
    expect(paused.status).toBe('paused');
    expect(paused.boards['sim/b1']!.phase).toBe('healthy');
    expect(paused.boards['sim/b2']!.phase).toBe('verifying'); // caught in flight: done again on resume
    // A new process: from the saved file, resumed.
    const second = scripted({});
    const resumed = new RolloutRunner(store.saved.at(-1)!, { updater: second.updater, store });
    resumed.apply({ type: 'resume' });
    expect((await resumed.run()).status).toBe('done');
    expect(second.started.sort()).toEqual(['sim/b2', 'sim/b3']);
  });

  it('abort ends the rollout for good', async () => {
    const u = scripted({}, 200);
    const runner = new RolloutRunner(createRollout(definition(), prefixes(3), 0), { updater: u.updater, store: new MemoryStore() });
    setTimeout(() => runner.abort(), 20);
    const r = await runner.run();
    expect(r.status).toBe('aborted');
    expect(u.started).toEqual(['sim/b1']);
  });
});

const P = 'sim/b1';
const status = (o: Record<string, unknown>): BoardStatus =>
  parseBoardStatus(P, JSON.stringify({ online: true, fw: 'v1', partition: 'ota_0', boots: 1, uptime: 100, pending_verify: false, crashes: 0, proto: 2, caps: ['reset'], ...o }))!;

/** A registry with one board whose every reset plays the next scripted boot (a list of statuses, 10 ms apart). */
function fakeBoard(boots: Array<Array<Record<string, unknown>>>) {
  const registry = new (class extends EventEmitter<FleetRegistryEvents> {
    entry: BoardEntry = { prefix: P, status: status({}), lastSeen: 0, state: { state: 'online' } };
    get(prefix: string) {
      return prefix === P ? this.entry : undefined;
    }
    publish(o: Record<string, unknown>) {
      this.entry = { ...this.entry, status: status(o) };
      this.emit('board-changed', this.entry);
    }
  })();
  let resets = 0;
  const board = {
    prefix: P,
    caps: ['reset'],
    request: async () => {
      const script = boots[resets++] ?? [];
      [{ online: false }, ...script].forEach((o, i) => setTimeout(() => registry.publish(o), 10 + i * 10));
      return encodeText('OK');
    },
  };
  return { registry, board, resets: () => resets };
}

const GATE: HealthGate = { onlineWithinS: 1, confirmWithinS: 0.5, stableS: 0.1 };
const NEW = { fw: 'v2', partition: 'ota_1', boots: 2 };

describe('firmwareGate', () => {
  it('passes a board that comes back on the new slot, confirms it and stays up', async () => {
    const f = fakeBoard([[{ ...NEW, pending_verify: true }, { ...NEW, pending_verify: false }]]);
    expect(await firmwareGate({ board: f.board, registry: f.registry, gate: GATE, version: 'v2', partition: 'ota_1' })).toEqual({ kind: 'healthy', fw: 'v2' });
  });

  it('a board reset before confirming is reported rolled back, with the version it came back on', async () => {
    const f = fakeBoard([[{ ...NEW, pending_verify: true }, { online: false }, { fw: 'v1', partition: 'ota_0', boots: 3 }]]);
    const out = await firmwareGate({ board: f.board, registry: f.registry, gate: GATE, version: 'v2', partition: 'ota_1' });
    expect(out).toMatchObject({ kind: 'failed', rolledBack: true, fw: 'v1', reason: expect.stringMatching(/reset before confirming v2; back on v1 on ota_0 \(rolled back/) });
  });

  it('a rollback whose offline status was lost still counts as a reset, not a confirmation', async () => {
    const f = fakeBoard([[{ ...NEW, pending_verify: true }, { fw: 'v1', partition: 'ota_0', boots: 3 }]]);
    const out = await firmwareGate({ board: f.board, registry: f.registry, gate: GATE, version: 'v2', partition: 'ota_1' });
    expect(out).toMatchObject({ kind: 'failed', rolledBack: true, fw: 'v1' });
  });

  it('a board that never confirms is reset so that its bootloader rolls it back now', async () => {
    const f = fakeBoard([[{ ...NEW, pending_verify: true }], [{ fw: 'v1', partition: 'ota_0', boots: 3 }]]);
    const out = await firmwareGate({ board: f.board, registry: f.registry, gate: GATE, version: 'v2', partition: 'ota_1' });
    expect(f.resets()).toBe(2);
    expect(out).toMatchObject({ kind: 'failed', rolledBack: true, reason: expect.stringMatching(/did not confirm v2 within 0.5 s; reset, back on v1 on ota_0/) });
  });

  it('a board that boots the old slot straight away (image refused) is rolled back', async () => {
    const f = fakeBoard([[{ fw: 'v1', partition: 'ota_0', boots: 2 }]]);
    expect(await firmwareGate({ board: f.board, registry: f.registry, gate: GATE, version: 'v2', partition: 'ota_1' })).toMatchObject({ kind: 'failed', rolledBack: true, fw: 'v1' });
  });

  it('a crash during the stability period fails the board (it stays on the confirmed version)', async () => {
    const f = fakeBoard([[{ ...NEW, pending_verify: false }, { ...NEW, crashes: 1 }]]);
    const out = await firmwareGate({ board: f.board, registry: f.registry, gate: { ...GATE, stableS: 1 }, version: 'v2', partition: 'ota_1' });
    expect(out).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/crashed during the 1 s stability period/) });
    expect(out).not.toHaveProperty('rolledBack');
  });

  it('a board that comes back in safe mode fails, even though safe mode confirms the image', async () => {
    const f = fakeBoard([[{ ...NEW, pending_verify: true, safe_mode: true, safe_reason: 'boot loop' }]]);
    expect(await firmwareGate({ board: f.board, registry: f.registry, gate: GATE, version: 'v2', partition: 'ota_1' })).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/came back in safe mode \(boot loop\)/) });
  });

  it('a battery board that sleeps and wakes during the stability period is not counted as failing', async () => {
    const f = fakeBoard([[{ ...NEW, pending_verify: false }, { ...NEW, online: false, asleep: true }, { ...NEW, boots: 3, reset_cause: 'deepsleep' }]]);
    expect(await firmwareGate({ board: f.board, registry: f.registry, gate: { ...GATE, stableS: 0.3 }, version: 'v2', partition: 'ota_1' })).toEqual({ kind: 'healthy', fw: 'v2' });
  });

  it('a board that does not come back fails with the time it had', async () => {
    const f = fakeBoard([[]]);
    expect(await firmwareGate({ board: f.board, registry: f.registry, gate: { ...GATE, onlineWithinS: 0.2 }, version: 'v2', partition: 'ota_1' })).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/did not come back within 0.2 s/) });
  });
});
