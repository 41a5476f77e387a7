import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { MqbError } from '../common/errors.js';
import type { BoardEntry, FleetRegistryEvents } from './fleet-registry.js';
import { watchBoard } from './board-watch.js';
import type { Timers } from './board-watch.js';

const P = 'sim/b1';
class FakeRegistry extends EventEmitter<FleetRegistryEvents> {
  entries = new Map<string, BoardEntry>();
  get(prefix: string) {
    return this.entries.get(prefix);
  }
  set(prefix: string, state: 'online' | 'asleep' | 'offline') {
    const e: BoardEntry = { prefix, lastSeen: 0, state: { state } };
    this.entries.set(prefix, e);
    this.emit('board-changed', e);
  }
}
/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending: Array<() => void> = [];
  const timers: Timers = { setTimeout: (fn) => pending.push(fn), clearTimeout: () => undefined };
  return { timers, fire: () => pending.splice(0).forEach((fn) => fn()) };
}
const onlineOnly = (e: BoardEntry) => (e.state.state === 'online' ? e.state.state : e.state.state === 'offline' ? new MqbError('OFFLINE', 'gone') : undefined);

describe('watchBoard', () => {
  it('resolves with the first verdict for its board, ignores other boards, and stops listening', async () => {
    const r = new FakeRegistry();
    const w = watchBoard(r, P, 1000, onlineOnly);
    r.set('sim/other', 'online');
    r.set(P, 'asleep');
    r.set(P, 'online');
    await expect(w).resolves.toBe('online');
    expect(r.listenerCount('board-changed') + r.listenerCount('board-added')).toBe(0);
  });

  it('rejects with an error verdict, resolves timeout when the time runs out, and judges the current entry only when asked', async () => {
    const r = new FakeRegistry();
    r.set(P, 'online');
    const t = manualTimers();
    const waiting = watchBoard(r, P, 1000, onlineOnly, { timers: t.timers });
    await expect(watchBoard(r, P, 1000, onlineOnly, { now: true })).resolves.toBe('online');
    t.fire();
    await expect(waiting).resolves.toBe('timeout');
    const failing = watchBoard(r, P, 1000, onlineOnly);
    r.set(P, 'offline');
    await expect(failing).rejects.toMatchObject({ code: 'OFFLINE' });
    expect(r.listenerCount('board-changed')).toBe(0);
  });

  it('is cancelled by its signal, also one that fired before the wait began', async () => {
    const r = new FakeRegistry();
    const ac = new AbortController();
    const w = watchBoard(r, P, 1000, onlineOnly, { signal: ac.signal });
    ac.abort();
    await expect(w).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(watchBoard(r, P, 1000, onlineOnly, { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(r.listenerCount('board-changed')).toBe(0);
  });
});
