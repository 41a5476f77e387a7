import { connectAsync } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BROKER_KINDS, startTestBroker } from './brokers.js';
import type { TestBroker, TestBrokerOptions } from './brokers.js';
import { runningMosquittoCount, startMosquitto } from './mosquitto.js';
import { getTestCa } from './test-ca.js';
import type { TestCa } from './test-ca.js';

let testCa: TestCa;
beforeAll(async () => {
  testCa = await getTestCa();
});

afterAll(() => {
  // Every test closed its mosquitto: nothing may outlive the suite.
  expect(runningMosquittoCount()).toBe(0);
});

describe.each(BROKER_KINDS)('%s broker', (kind) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startBroker(opts: TestBrokerOptions = {}): Promise<TestBroker> {
    const broker = await startTestBroker(kind, opts);
    cleanups.push(() => broker.close());
    return broker;
  }

  async function connectClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
    const client = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
    cleanups.push(() => client.endAsync(true));
    return client;
  }

  /** Expects the connection to fail; returns the error for the caller to inspect. */
  async function refusedConnection(url: string, opts: IClientOptions): Promise<Error & { code?: unknown }> {
    const error: unknown = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts }).then(
      async (client) => {
        await client.endAsync(true);
        throw new Error(`connection to ${url} was accepted`);
      },
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    return error as Error & { code?: unknown };
  }

  it('routes QoS 1 messages over plain MQTT on loopback', async () => {
    const broker = await startBroker();
    expect(broker.kind).toBe(kind);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const subscriber = await connectClient(broker.url);
    const publisher = await connectClient(broker.url);
    await subscriber.subscribeAsync('boards/b1/status', { qos: 1 });
    const received = new Promise<{ payload: string; qos: number }>((resolve) =>
      subscriber.once('message', (_topic, payload, packet) => resolve({ payload: payload.toString(), qos: packet.qos })),
    );
    await publisher.publishAsync('boards/b1/status', 'online', { qos: 1 });
    expect(await received).toEqual({ payload: 'online', qos: 1 });
  });

  describe('TLS', () => {
    it('accepts a client that trusts the test CA and expects localhost', async () => {
      const broker = await startBroker({ tls: true });
      expect(broker.tlsUrl).toBe(`mqtts://127.0.0.1:${broker.tlsPort}`);
      expect(broker.caPem).toBe(testCa.ca.cert);
      const client = await connectClient(broker.tlsUrl ?? '', {
        ca: broker.caPem,
        servername: 'localhost',
        rejectUnauthorized: true,
      });
      await client.subscribeAsync('tls/check', { qos: 1 });
      const received = new Promise<string>((resolve) => client.once('message', (_t, payload) => resolve(payload.toString())));
      await client.publishAsync('tls/check', 'secure', { qos: 1 });
      expect(await received).toBe('secure');
    });

    it('is refused by a client that trusts another CA', async () => {
      const broker = await startBroker({ tls: true });
      const error = await refusedConnection(broker.tlsUrl ?? '', {
        ca: testCa.wrongCa.cert,
        servername: 'localhost',
        rejectUnauthorized: true,
      });
      // mosquitto sends the CA along with its certificate (OpenSSL builds the chain from
      // cafile), Node's TLS sends the leaf only: the verification error differs accordingly.
      expect(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']).toContain(error.code);
    });

    it('is refused when the certificate names another host', async () => {
      const broker = await startBroker({ tls: true, tlsServerCert: 'wrong-host' });
      const error = await refusedConnection(broker.tlsUrl ?? '', {
        ca: broker.caPem,
        servername: 'localhost',
        rejectUnauthorized: true,
      });
      expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });

  it('refuses a wrong password and anonymous clients', async () => {
    const broker = await startBroker({ users: { board1: 'right-password' } });
    const client = await connectClient(broker.url, { username: 'board1', password: 'right-password' });
    expect(client.connected).toBe(true);
    // 4 = bad user name or password, 5 = not authorized (mosquitto uses 5 for both).
    const wrong = await refusedConnection(broker.url, { username: 'board1', password: 'wrong-password' });
    expect([4, 5]).toContain(wrong.code);
    const anonymous = await refusedConnection(broker.url, {});
    expect([4, 5]).toContain(anonymous.code);
  });

  it('keeps a client out of topics outside its username prefix', async () => {
    const users = { alice: 'alice-pw', bob: 'bob-pw' };
    const broker = await startBroker({ users, aclPrefix: true });
    const alice = await connectClient(broker.url, { username: 'alice', password: 'alice-pw' });
    const bob = await connectClient(broker.url, { username: 'bob', password: 'bob-pw' });
    const seenByAlice: string[] = [];
    alice.on('message', (topic) => seenByAlice.push(topic));

    // Brokers differ in how they refuse (SUBACK 0x80 or a silent drop): only delivery matters.
    await alice.subscribeAsync('bob/#', { qos: 1 }).catch(() => undefined);
    await alice.subscribeAsync('alice/#', { qos: 1 });
    await bob.subscribeAsync('bob/#', { qos: 1 });
    const bobGotOwn = new Promise<void>((resolve) => bob.once('message', () => resolve()));
    await bob.publishAsync('bob/secret', 'for bob only', { qos: 1 });
    await bobGotOwn;

    // alice's own traffic still flows, and arrives after anything routed before it.
    const aliceGotOwn = new Promise<void>((resolve) => alice.once('message', () => resolve()));
    await alice.publishAsync('alice/ping', 'pong', { qos: 1 });
    await aliceGotOwn;
    expect(seenByAlice).toEqual(['alice/ping']);
  });
});

describe('startMosquitto', () => {
  it('captures the broker output and removes its process on close', async () => {
    const broker = await startMosquitto();
    try {
      expect(runningMosquittoCount()).toBe(1);
      // The pipe may deliver the line a moment after the port accepts connections.
      await vi.waitFor(() => expect(broker.logs()).toMatch(/mosquitto version .* running/));
    } finally {
      await broker.close();
    }
    expect(runningMosquittoCount()).toBe(0);
    await expect(connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 1_000 })).rejects.toThrow();
  });

  it('throws a clear error when mosquitto is not installed', async () => {
    const saved = process.env.MOSQUITTO_BIN;
    process.env.MOSQUITTO_BIN = '/nonexistent/mosquitto';
    try {
      await expect(startMosquitto()).rejects.toThrow(/mosquitto not found/);
    } finally {
      if (saved === undefined) delete process.env.MOSQUITTO_BIN;
      else process.env.MOSQUITTO_BIN = saved;
    }
  });

  it('reports mosquitto output when the config is invalid', async () => {
    await expect(startMosquitto({ extraConfig: 'no_such_option 1' })).rejects.toThrow(/no_such_option/);
    expect(runningMosquittoCount()).toBe(0);
  });
});
