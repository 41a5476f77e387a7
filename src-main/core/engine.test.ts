import { describe, expect, it } from 'vitest';
import type { MqbError } from '../common/errors.js';
import { decodeText, encodeFrame, encodeText } from '../common/protocol.js';
import { Engine } from './engine.js';
import { FakeSession } from './fake-session.js';

const profile = { id: 'p1', name: 'test', url: 'mqtt://127.0.0.1:1' };

function engineWith(s: FakeSession) {
  return new Engine({ openSession: () => Promise.resolve(Object.assign(s, { close: () => Promise.resolve() })) });
}

describe('Engine', () => {
  it('discovers at QoS 0 on a clean session (mosquitto drops queued QoS 1 retained statuses past 1,000) and QoS 1 on a persistent one', async () => {
    const statusQos = async (clean: boolean | undefined) => {
      const s = new FakeSession();
      await engineWith(s).connect({ ...profile, ...(clean !== undefined && { clean }) });
      return s.subscriptions.filter((x) => x.filter.endsWith('/mqb/status') || x.filter.endsWith('/mqb/crash')).map((x) => x.qos);
    };
    expect(await statusQos(undefined)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await statusQos(false)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('gives board clients the protocol, caps and stream window the status announced', async () => {
    const s = new FakeSession();
    const e = engineWith(s);
    await e.connect(profile);
    s.deliver('sim/b1/mqb/status', JSON.stringify({ online: true, proto: 2, caps: ['eval', 'ls', 'tty'], window: 64 }));
    const c = e.board('p1', 'sim/b1');
    expect(c.proto).toBe(2);
    expect(c.window).toBe(64);
    expect(c.has('tty')).toBe(true);
    const v1 = e.board('p1', 'old/board');
    expect(v1.proto).toBe(1);
    expect(v1.caps).toEqual(['eval', 'get', 'put', 'ota']);
    expect(v1.window).toBe(16);
  });

  it('openBoard: NO_BOARD without a status, OFFLINE for an offline one unless forced', async () => {
    const s = new FakeSession();
    const e = engineWith(s);
    await e.connect(profile, { discover: false });
    expect(s.subscriptions).toEqual([]);
    const none = (await e.openBoard('p1', 'ghost', { waitMs: 20 }).catch((x: unknown) => x)) as MqbError;
    expect(none.code).toBe('NO_BOARD');
    const waiting = e.openBoard('p1', 'sim/off', { waitMs: 1000 }).catch((x: unknown) => x);
    await new Promise((r) => setTimeout(r, 0));
    s.deliver('sim/off/mqb/status', JSON.stringify({ online: false, proto: 2 }));
    const off = (await waiting) as MqbError;
    expect(off.code).toBe('OFFLINE');
    expect(off.message).toMatch(/--force/);
    const forced = await e.openBoard('p1', 'sim/off', { force: true });
    expect(forced.client.prefix).toBe('sim/off');
  });

  it('a command fails with BOARD_RESET when the board reboots meanwhile', async () => {
    const s = new FakeSession();
    const e = engineWith(s);
    await e.connect(profile);
    s.deliver('b/mqb/status', JSON.stringify({ online: true, boots: 1, uptime: 50 }));
    const { client } = await e.openBoard('p1', 'b');
    s.onPublish = (p) => {
      if (p.topic.includes('/cmd/')) queueMicrotask(() => s.deliver('b/mqb/status', JSON.stringify({ online: false })));
    };
    const err = (await client.request('eval', { payload: 'machine.reset()' }).catch((x: unknown) => x)) as MqbError;
    expect(err.code).toBe('BOARD_RESET');
  });

  it('shares one log stream per board', async () => {
    const s = new FakeSession();
    const e = engineWith(s);
    await e.connect(profile);
    expect(e.logs('p1', 'b')).toBe(e.logs('p1', 'b'));
  });

  it('runs a request end to end over the shared session', async () => {
    const s = new FakeSession();
    const e = engineWith(s);
    await e.connect(profile);
    s.onPublish = (p) => {
      const id = p.topic.split('/')[4]!;
      queueMicrotask(() => s.deliver(`b/mqb/reply/out/${id}`, encodeFrame(0x7fff, true, encodeText('42'))));
    };
    expect(decodeText(await e.board('p1', 'b').request('eval', { payload: '6*7' }))).toBe('42');
    await e.disconnect('p1');
    expect(() => e.registry('p1')).toThrow(/not connected/);
  });

  it('extensions are created once per engine', () => {
    const e = new Engine();
    let made = 0;
    const a = e.extension('ota', () => ({ n: ++made }));
    const b = e.extension('ota', () => ({ n: ++made }));
    expect(a).toBe(b);
    expect(made).toBe(1);
  });

  it('openBoard: a sleeping board is OFFLINE with its wake and the --wait-wake hint, or its client with allowAsleep', async () => {
    const s = new FakeSession();
    const e = engineWith(s);
    await e.connect(profile);
    s.deliver('bat/mqb/status', JSON.stringify({ online: false, asleep: true, proto: 2, caps: ['eval', 'awake'], sleep: { period: 10, awake: 2, next_wake: 110 }, t: 100 }));
    const err = (await e.openBoard('p1', 'bat').catch((x: unknown) => x)) as MqbError;
    expect(err.code).toBe('OFFLINE');
    expect(err.message).toMatch(/^bat is asleep, wakes in (9|10) s; use --wait-wake to run the command at its next wake$/);
    const { client, entry } = await e.openBoard('p1', 'bat', { allowAsleep: true });
    expect(client.has('awake')).toBe(true);
    expect(entry.state.state).toBe('asleep');
    await e.close();
  });
});
