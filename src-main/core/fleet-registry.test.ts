import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqbError } from '../common/errors.js';
import { FakeSession } from './fake-session.js';
import { FleetRegistry } from './fleet-registry.js';
import type { BoardEntry } from './fleet-registry.js';

const status = (extra: Record<string, unknown> = {}) => JSON.stringify({ online: true, fw: '1.2.0', proto: 2, caps: ['eval', 'ls'], boots: 3, uptime: 100, ...extra });

async function started(clock = () => 1000) {
  const s = new FakeSession();
  const r = new FleetRegistry(s, { clock });
  await r.discover();
  return { s, r };
}

describe('FleetRegistry', () => {
  it('discovers boards with 1 to 3 prefix levels from retained status, and their crash records', async () => {
    const { s, r } = await started();
    expect(s.subscriptions.map((x) => x.filter).sort()).toEqual(['+/+/+/log', '+/+/+/mqb/crash', '+/+/+/mqb/reply/+/+', '+/+/+/mqb/status', '+/+/log', '+/+/mqb/crash', '+/+/mqb/reply/+/+', '+/+/mqb/status', '+/log', '+/mqb/crash', '+/mqb/reply/+/+', '+/mqb/status']);
    const added: string[] = [];
    r.on('board-added', (e) => added.push(e.prefix));
    s.deliver('sim/sim-01/mqb/status', status(), { retain: true, dup: false });
    s.deliver('solo/mqb/status', status({ fw: '0.9' }));
    s.deliver('sim/sim-01/mqb/crash', JSON.stringify([{ t: 5, boot: 2, where: 'task', exc: 'Traceback (most recent call last):\n  File "x"\nValueError: bad\n' }]));
    expect(added).toEqual(['sim/sim-01', 'solo']);
    expect(r.list().map((e) => e.prefix)).toEqual(['sim/sim-01', 'solo']);
    const e = r.get('sim/sim-01')!;
    expect(e.status?.caps).toEqual(['eval', 'ls']);
    expect(e.lastSeen).toBe(1000);
    expect(e.crashes).toEqual([{ t: 5, boot: 2, where: 'task', error: 'ValueError: bad', trace: 'Traceback (most recent call last):\n  File "x"\nValueError: bad\n' }]);
  });

  it('lists a board heard on its log or replies without any status as original firmware, until a status arrives', async () => {
    const { s, r } = await started();
    s.deliver('esp32/orig/log', 'I 5 main: hello');
    s.deliver('solo/mqb/reply/out/abcdefgh', 'x');
    expect(r.list().map((e) => [e.prefix, e.original, e.status?.proto, e.state.state])).toEqual([['esp32/orig', true, 1, 'online'], ['solo', true, 1, 'online']]);
    s.deliver('solo/mqb/status', status());
    expect(r.get('solo')?.original).toBeUndefined();
    expect(r.get('solo')?.status?.proto).toBe(2);
    s.deliver('solo/log', 'I 6 main: still ours');
    expect(r.get('solo')?.original).toBeUndefined();
  });

  it('keeps the previous status when a new one is malformed, and removes a board on an empty retained status', async () => {
    const { s, r } = await started();
    const removed: string[] = [];
    r.on('board-removed', (p) => removed.push(p));
    s.deliver('a/b/mqb/status', status());
    s.deliver('a/b/mqb/status', '{not json');
    expect(r.get('a/b')?.status?.fw).toBe('1.2.0');
    expect(r.get('a/b')?.malformed).toMatch(/JSON/);
    s.deliver('a/b/mqb/status', status({ fw: '1.3.0' }));
    expect(r.get('a/b')?.malformed).toBeUndefined();
    s.deliver('a/b/mqb/status', '');
    expect(r.get('a/b')).toBeUndefined();
    expect(removed).toEqual(['a/b']);
  });

  it('waitFor resolves when the status arrives and rejects NO_BOARD after the wait', async () => {
    const { s, r } = await started();
    const waiting = r.waitFor('x/y/z/w', 2000); // 4 levels: beyond discovery, tracked by its exact topic
    await Promise.resolve();
    expect(s.subscribed('x/y/z/w/mqb/status')).toBe(true);
    s.deliver('x/y/z/w/mqb/status', status());
    expect((await waiting).prefix).toBe('x/y/z/w');
    const e = await r.waitFor('nobody', 30).catch((err: MqbError) => err);
    expect((e as MqbError).code).toBe('NO_BOARD');
    expect((e as MqbError).message).toMatch(/no board "nobody"/);
  });

  it('watchReset fires on the last will, on a new boot, and not on a periodic status', async () => {
    const { s, r } = await started();
    s.deliver('b1/mqb/status', status());
    const why: string[] = [];
    const stop = r.watchReset('b1', (w) => why.push(w));
    s.deliver('b1/mqb/status', status({ uptime: 130 })); // periodic
    expect(why).toEqual([]);
    s.deliver('b1/mqb/status', status({ boots: 4, uptime: 1, reset_cause: 'soft' }));
    expect(why).toEqual(['it booted again, reset cause: soft']);
    s.deliver('b1/mqb/status', JSON.stringify({ online: false }));
    expect(why[1]).toBe('it went offline');
    stop();
    s.deliver('b1/mqb/status', JSON.stringify({ online: false }));
    expect(why).toHaveLength(2);
  });

  it('close unsubscribes everything', async () => {
    const { s, r } = await started();
    await r.track('p/q');
    await r.close();
    expect(s.subscriptions).toEqual([]);
  });

  it('emits board-changed with the entry on every status', async () => {
    const { s, r } = await started();
    const changes: BoardEntry[] = [];
    r.on('board-changed', (e) => changes.push(e));
    s.deliver('c/mqb/status', status());
    s.deliver('c/mqb/status', status({ uptime: 200 }));
    expect(changes.map((e) => e.status?.uptime)).toEqual([200]);
  });

  it('warns on both boards when one prefix is inside another, and drops the warning when that board goes', async () => {
    const { s, r } = await started();
    const changed: string[] = [];
    r.on('board-changed', (e) => changed.push(e.prefix));
    s.deliver('sim/mqb/status', status());
    s.deliver('sim/sim-01/mqb/status', status());
    s.deliver('simx/mqb/status', status());
    expect(r.get('sim/sim-01')?.warning).toMatch(/inside the prefix of "sim"/);
    expect(r.get('sim')?.warning).toMatch(/holds the prefix of "sim\/sim-01"/);
    expect(r.get('simx')?.warning).toBeUndefined();
    expect(changed).toEqual(['sim']); // the outer board's view changes too
    s.deliver('sim/mqb/status', '');
    expect(r.get('sim/sim-01')?.warning).toBeUndefined();
  });

  describe('sleeping boards', () => {
    afterEach(() => vi.useRealTimers());
    const asleep = (period: number) => JSON.stringify({ online: false, asleep: true, sleep: { period, awake: 2, next_wake: 1_000 + period }, t: 1_000 });

    it('goes asleep → overdue → offline on its own timer, and back online with the next status', async () => {
      vi.useFakeTimers({ now: 50_000 });
      const { s, r } = await started(() => Date.now());
      const states: string[] = [];
      r.on('board-changed', (e) => states.push(e.state.state));
      s.deliver('bat/mqb/status', status({ sleep: { period: 10, awake: 2, next_wake: null } }));
      expect(r.get('bat')!.state).toEqual({ state: 'online' });
      s.deliver('bat/mqb/status', asleep(10));
      expect(r.get('bat')!.state).toMatchObject({ state: 'asleep', wakeAt: 60_000 });
      await vi.advanceTimersByTimeAsync(15_001); // wake + 5 s margin passed
      expect(r.get('bat')!.state.state).toBe('overdue');
      await vi.advanceTimersByTimeAsync(10_000); // a second period: missed again
      expect(r.get('bat')!.state.state).toBe('offline');
      s.deliver('bat/mqb/status', status());
      expect(states).toEqual(['asleep', 'overdue', 'offline', 'online']);
      await r.close();
    });

    it('stays asleep when the last will follows its sleep announcement (the DISCONNECT was lost)', async () => {
      vi.useFakeTimers({ now: 50_000 });
      const { s, r } = await started(() => Date.now());
      s.deliver('bat/mqb/status', status());
      s.deliver('bat/mqb/status', asleep(10));
      s.deliver('bat/mqb/status', JSON.stringify({ online: false, prefix: 'bat', fw: 'v1', partition: 'ota_0', proto: 2 }));
      expect(r.get('bat')!.state).toMatchObject({ state: 'asleep', wakeAt: 60_000 });
      await vi.advanceTimersByTimeAsync(15_001); // and it still counts as overdue when it misses the wake
      expect(r.get('bat')!.state.state).toBe('overdue');
      // An awake board's will still means offline.
      s.deliver('bat/mqb/status', status());
      s.deliver('bat/mqb/status', JSON.stringify({ online: false, prefix: 'bat', fw: 'v1', partition: 'ota_0', proto: 2 }));
      expect(r.get('bat')!.state.state).toBe('offline');
      await r.close();
    });

    it('says a command ended because the board went to sleep', async () => {
      const { s, r } = await started();
      s.deliver('bat/mqb/status', status());
      const why: string[] = [];
      r.watchReset('bat', (w) => why.push(w));
      s.deliver('bat/mqb/status', asleep(10));
      expect(why).toEqual(['it went to sleep']);
      await r.close();
    });
  });
});
