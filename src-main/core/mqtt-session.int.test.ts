import { createServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
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

/** The sockets to `port` on which Nagle's algorithm was turned off (setNoDelay(true)). */
function noDelaySockets(spy: { mock: { calls: unknown[][]; contexts: unknown[] } }, port: number): Socket[] {
  return spy.mock.contexts.filter((sock, i) => spy.mock.calls[i]![0] === true && (sock as Socket).remotePort === port) as Socket[];
}

describe.each(BROKER_KINDS)('MqttSession against %s', (kind) => {
  let broker: TestBroker;
  afterEach(() => {
    vi.restoreAllMocks();
  });
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
    const spy = vi.spyOn(Socket.prototype, 'setNoDelay');
    const insecure = await MqttSession.open(profile({ url: broker.tlsUrl!, insecure: true }));
    const tlsSockets = noDelaySockets(spy, broker.tlsPort!); // Nagle off on TLS connections too
    await insecure.close();
    expect(tlsSockets).toHaveLength(1);
    expect(tlsSockets[0]).toBeInstanceOf(TLSSocket);
  });

  it('re-subscribes after a dropped connection; sends at once (no Nagle) on the new connection too', async () => {
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: broker.port } });
    const pub = await MqttSession.open(profile());
    const spy = vi.spyOn(Socket.prototype, 'setNoDelay');
    const s = await MqttSession.open(profile({ url: proxy.url }), { reconnectMs: 100 });
    const states: SessionState[] = [];
    s.on('state', (st) => states.push(st));
    try {
      expect(noDelaySockets(spy, proxy.port)).toHaveLength(1);
      const got: string[] = [];
      await s.subscribe('t2/x', (_t, p) => got.push(decodeText(p)));
      // A responder: what the session publishes on t2/ping comes back on t2/x.
      await pub.subscribe('t2/ping', (_t, p) => void pub.publish('t2/x', p));
      proxy.resetAll();
      // Published while the connection is down: queued, and sent once it is back behind the
      // restored subscription, so the answer is not lost.
      await waitFor('offline', () => states.length > 0);
      const queued = s.publish('t2/ping', 'while offline');
      await waitFor('reconnected', () => states.includes('online'));
      await queued;
      await waitFor('the answer to the queued message', () => got.includes('while offline'));
      await waitFor('delivery after reconnect', () => {
        void pub.publish('t2/x', 'after', { qos: 0 });
        return got.includes('after');
      });
      expect(states[0]).not.toBe('online');
      const sockets = noDelaySockets(spy, proxy.port);
      expect(sockets).toHaveLength(2);
      expect(sockets[0]).not.toBe(sockets[1]);
    } finally {
      await s.close();
      await pub.close();
      await proxy.close();
    }
  });
});
