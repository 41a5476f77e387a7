// The wait before a file-set rollout resets a board: not while a boot after a failed one is unconfirmed.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseBoardStatus } from '../common/board-status.js';
import type { BoardEntry, FleetRegistryEvents } from './fleet-registry.js';
import { whenBootConfirmed } from './rollout-gate.js';

const P = 'sim/b1';
class FakeRegistry extends EventEmitter<FleetRegistryEvents> {
  entries = new Map<string, BoardEntry>();
  get(prefix: string) {
    return this.entries.get(prefix);
  }
  publish(failedBoots: number, online = true) {
    const status = parseBoardStatus(P, JSON.stringify({ online, prefix: P, fw: 'v1', boots: 7, failed_boots: failedBoots }))!;
    const e: BoardEntry = { prefix: P, lastSeen: 0, state: { state: online ? 'online' : 'offline' }, status };
    this.entries.set(P, e);
    this.emit('board-changed', e);
  }
}

describe('whenBootConfirmed', () => {
  it('answers at once when at most the current boot is unconfirmed, waits for the all-OK of a board back from a failed boot, and gives up after its time', async () => {
    const r = new FakeRegistry();
    r.publish(0);
    await expect(whenBootConfirmed(r, P, 1_000)).resolves.toMatchObject({ failedBoots: 0 });
    r.publish(1); // this boot not confirmed yet, the one before was (or a battery board's wake)
    await expect(whenBootConfirmed(r, P, 1_000)).resolves.toMatchObject({ failedBoots: 1 });
    r.publish(2); // back from a failed boot: a reset now would be the third unconfirmed one
    const waiting = whenBootConfirmed(r, P, 5_000);
    r.publish(3);
    r.publish(0, false); // offline is not confirmed
    r.publish(0);
    await expect(waiting).resolves.toMatchObject({ failedBoots: 0, online: true });
    r.publish(2);
    await expect(whenBootConfirmed(r, P, 20)).resolves.toBeUndefined();
    expect(r.listenerCount('board-changed')).toBe(0);
  });
});
