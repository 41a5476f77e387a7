import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeText } from '../common/protocol.js';
import type { MqbError } from '../common/errors.js';
import { BROKER_KINDS, startTestBroker } from '../testing/brokers.js';
import type { TestBroker } from '../testing/brokers.js';
import { startFaultProxy } from '../testing/fault-proxy.js';
import { MqttSession } from './mqtt-session.js';
import type { SessionState } from './mqtt-session.js';

const USERS = { console: 'console-pw' };

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<MqbError> {
  try {
    await p;
  } catch (e) {
    return e as MqbError;
  }
  throw new Error('expected a rejection');
}

const waitFor = async (what: string, fn: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(BROKER_KINDS)('MqttSession against %s', (kind) => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker(kind, { users: USERS, tls: true });
  });
  afterAll(async () => {
    await broker.close();
  });
  const profile = (extra: Record<string, unknown> = {}) => ({ id: 't', name: 't', url: broker.url, username: 'console', password: 'console-pw', ...extra });

  it('shares one subscription between handlers, delivers retained flags, publishes QoS 1', async () => {
    const a = await MqttSession.open(profile());
    const b = await MqttSession.open(profile());
    try {
      await b.publish('t1/ret', 'kept', { retain: true });
      const got: string[] = [];
      const un1 = await a.subscribe('t1/#', (t, p, m) => got.push(`1:${t}:${decodeText(p)}:${m.retain}`));
      const un2 = await a.subscribe('t1/#', (t, p) => got.push(`2:${t}:${decodeText(p)}`));
      await waitFor('retained', () => got.length >= 1);
      await b.publish('t1/x', 'hello');
      await waitFor('live message', () => got.some((g) => g.startsWith('2:t1/x')));
      expect(got).toContain('1:t1/ret:kept:true');
      expect(got).toContain('1:t1/x:hello:false');
      await un1();
      await b.publish('t1/x', 'second');
      await waitFor('second', () => got.includes('2:t1/x:second'));
      expect(got).not.toContain('1:t1/x:second:false');
      await un2();
      await b.publish('t1/x', 'third');
      await b.publish('t1/ret', '', { retain: true });
      await new Promise((r) => setTimeout(r, 200));
      expect(got.some((g) => g.includes('third'))).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
    expect(a.state).toBe('closed');
  });

  it('refuses a wrong password with AUTH, never showing the password', async () => {
    const e = await rejection(MqttSession.open(profile({ password: 'wrong-secret' }), { connectTimeoutMs: 5000 }));
    expect(e.code).toBe('AUTH');
    expect(e.message).toMatch(/refused user "console"/);
    expect(e.message).not.toContain('wrong-secret');
  });

  it('reports a closed port as BROKER_DOWN quickly', async () => {
    const port = await closedPort();
    const e = await rejection(MqttSession.open({ id: 'x', name: 'x', url: `mqtt://127.0.0.1:${port}` }, { connectTimeoutMs: 5000 }));
    expect(e.code).toBe('BROKER_DOWN');
    expect(e.message).toMatch(/connection refused/);
  });

  it('TLS: an unknown CA is a TLS error, the test CA connects, --insecure skips the check', async () => {
    const e = await rejection(MqttSession.open(profile({ url: broker.tlsUrl!.replace('127.0.0.1', 'localhost') }), { connectTimeoutMs: 5000 }));
    expect(e.code).toBe('TLS');
    const ok = await MqttSession.open(profile({ url: broker.tlsUrl!.replace('127.0.0.1', 'localhost'), ca: broker.caPem }));
    await ok.close();
    const insecure = await MqttSession.open(profile({ url: broker.tlsUrl!, insecure: true }));
    await insecure.close();
  });

  it('re-subscribes after a dropped connection', async () => {
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: broker.port } });
    const pub = await MqttSession.open(profile());
    const s = await MqttSession.open(profile({ url: proxy.url }), { reconnectMs: 100 });
    const states: SessionState[] = [];
    s.on('state', (st) => states.push(st));
    try {
      const got: string[] = [];
      await s.subscribe('t2/x', (_t, p) => got.push(decodeText(p)));
      proxy.resetAll();
      await waitFor('reconnected', () => states.includes('online'));
      await waitFor('delivery after reconnect', () => {
        void pub.publish('t2/x', 'after', { qos: 0 });
        return got.includes('after');
      });
      expect(states[0]).not.toBe('online');
    } finally {
      await s.close();
      await pub.close();
      await proxy.close();
    }
  });
});
