// The wait before a rollout resets a board: not while a boot that follows a failed one is unconfirmed.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseBoardStatus } from '../common/board-status.js';
import type { BoardEntry, FleetRegistryEvents } from './fleet-registry.js';
import { resetUnsafe } from './rollout-gate.js';

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

describe('resetUnsafe', () => {
  it('answers at once when at most the current boot is unconfirmed, waits for the all-OK of a board back from a failed boot, and gives up after its time', async () => {
    const r = new FakeRegistry();
    const notes: string[] = [];
    const ctx = { note: (t: string) => void notes.push(t), signal: new AbortController().signal };
    r.publish(0);
    await expect(resetUnsafe(r, P, 1_000, ctx)).resolves.toBeUndefined();
    r.publish(1); // this boot not confirmed yet, the one before was (or a battery board's wake)
    await expect(resetUnsafe(r, P, 1_000, ctx)).resolves.toBeUndefined();
    expect(notes).toEqual([]);
    r.publish(2); // back from a failed boot: a reset now would be the third unconfirmed one
    let settled = false;
    const waiting = resetUnsafe(r, P, 5_000, ctx).finally(() => (settled = true));
    r.publish(3);
    r.publish(0, false); // offline is not confirmed
    await new Promise((res) => setTimeout(res, 20));
    expect(settled).toBe(false);
    r.publish(0);
    await expect(waiting).resolves.toBeUndefined();
    expect(notes).toEqual([`${P}: back from a failed boot; waiting for this one to reach all OK before resetting it`]);
    r.publish(2);
    await expect(resetUnsafe(r, P, 20, ctx)).resolves.toBe('its boot did not reach all OK within 0.02 s (2 unconfirmed boot(s)): a reset now could send it to safe mode');
    expect(r.listenerCount('board-changed')).toBe(0);
  });
});
