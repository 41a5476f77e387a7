import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseBoardStatus } from '../common/board-status.js';
import type { BoardEntry, FleetRegistry, FleetRegistryEvents } from './fleet-registry.js';
import type { UpdateContext } from './rollout-engine.js';
import { firmwareUpdater } from './rollout-firmware.js';

const P = 'sim/b1';

/** One board's registry entry; `publish` changes it as a new status would. */
class OneBoard extends EventEmitter<FleetRegistryEvents> {
  entry: BoardEntry;
  constructor(o: Record<string, unknown>, extra: Partial<BoardEntry> = {}) {
    super();
    this.entry = { prefix: P, status: parseBoardStatus(P, JSON.stringify({ fw: 'v1', partition: 'ota_0', proto: 2, caps: ['reset'], ...o }))!, lastSeen: 0, state: { state: o.online === false ? 'offline' : 'online' }, ...extra };
  }
  get(prefix: string) {
    return prefix === P ? this.entry : undefined;
  }
  publish(o: Record<string, unknown>) {
    this.entry = { ...this.entry, status: parseBoardStatus(P, JSON.stringify({ fw: 'v1', partition: 'ota_0', proto: 2, ...o }))!, state: { state: o.online === false ? 'offline' : 'online' } };
    this.emit('board-changed', this.entry);
  }
}

function updaterOn(registry: OneBoard) {
  const boards: string[] = [];
  const engine = {
    registry: () => registry as unknown as FleetRegistry,
    board: (_id: string, prefix: string) => {
      boards.push(prefix);
      throw new Error('no upload expected in this test');
    },
    extension: () => {
      throw new Error('no upload expected in this test');
    },
  };
  const u = firmwareUpdater({ engine: engine as never, profileId: 'p', image: new Uint8Array(16), sha256: 'ab', version: 'v2', gate: { onlineWithinS: 0.2, confirmWithinS: 1, stableS: 1 }, timeoutMs: 1000 });
  const ctx: UpdateContext = { signal: new AbortController().signal, uploaded: () => undefined, note: () => undefined };
  return { u, ctx, boards };
}

describe('firmwareUpdater: boards it does not touch', () => {
  it('skips a board that already runs the version, one in safe mode, one on the original firmware', async () => {
    for (const [status, extra, reason] of [
      [{ fw: 'v2' }, {}, /already runs v2/],
      [{ safe_mode: true, safe_reason: 'boot loop' }, {}, /in safe mode \(boot loop\)/],
      [{}, { original: true as const }, /original firmware/],
    ] as const) {
      const { u, ctx, boards } = updaterOn(new OneBoard(status, extra));
      expect(await u.update(P, ctx)).toEqual({ kind: 'skipped', reason: expect.stringMatching(reason) });
      expect(boards).toEqual([]);
    }
  });

  it('waits for an offline board up to the gate\'s online time, then skips it', async () => {
    const { u, ctx } = updaterOn(new OneBoard({ online: false }));
    const started = Date.now();
    expect(await u.update(P, ctx)).toEqual({ kind: 'skipped', reason: 'offline' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('waits for a board back from a failed boot to confirm this one before updating it; skips it when it does not', async () => {
    const registry = new OneBoard({ failed_boots: 2 });
    const { u, ctx, boards } = updaterOn(registry);
    expect(await u.update(P, ctx)).toEqual({ kind: 'skipped', reason: expect.stringMatching(/^its boot did not reach all OK within 1 s \(2 unconfirmed boot\(s\)\)/) });
    expect(boards).toEqual([]);
    setTimeout(() => registry.publish({ failed_boots: 0 }), 20);
    await expect(u.update(P, ctx)).rejects.toThrow(/no upload expected/);
    expect(boards).toEqual([P]);
  });

  it('an offline board that comes back in time is updated', async () => {
    const registry = new OneBoard({ online: false });
    const { u, ctx, boards } = updaterOn(registry);
    setTimeout(() => registry.publish({ online: true }), 20);
    await expect(u.update(P, ctx)).rejects.toThrow(/no upload expected/);
    expect(boards).toEqual([P]);
    expect(u.currentVersion(P)).toBe('v1');
  });
});
