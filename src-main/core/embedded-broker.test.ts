import { connectAsync } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { connect as connectTcp } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, topicInUserPrefix } from './embedded-broker.js';
import type { EmbeddedBroker } from './embedded-broker.js';

const cleanups: (() => Promise<unknown> | void)[] = [];

afterEach(async () => {
  // Clients first, then brokers: reverse order of creation.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startBroker(opts?: Parameters<typeof startEmbeddedBroker>[0]): Promise<EmbeddedBroker> {
  const broker = await startEmbeddedBroker(opts);
  cleanups.push(() => broker.close());
  return broker;
}

async function connectClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
  cleanups.push(() => client.endAsync(true));
  return client;
}

function nextMessage(client: MqttClient, topic: string): Promise<{ payload: string; retain: boolean }> {
  return new Promise((resolve) => {
    const onMessage = (received: string, payload: Buffer, packet: { retain: boolean }): void => {
      if (received !== topic) return;
      client.off('message', onMessage);
      resolve({ payload: payload.toString(), retain: packet.retain });
    };
    client.on('message', onMessage);
  });
}

describe('startEmbeddedBroker', () => {
  it('listens on a free loopback port and closes', async () => {
    const broker = await startEmbeddedBroker();
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(broker.tlsUrl).toBeUndefined();
    await broker.close();
    await broker.close(); // idempotent
    await expect(connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 1_000 })).rejects.toThrow();
  });

  it('routes a publish to a subscriber', async () => {
    const broker = await startBroker();
    const subscriber = await connectClient(broker.url);
    const publisher = await connectClient(broker.url);
    await subscriber.subscribeAsync('boards/+/status', { qos: 1 });
    const received = nextMessage(subscriber, 'boards/b1/status');
    await publisher.publishAsync('boards/b1/status', 'online', { qos: 1 });
    expect(await received).toEqual({ payload: 'online', retain: false });
  });

  it('delivers a retained message to a later subscriber', async () => {
    const broker = await startBroker();
    const publisher = await connectClient(broker.url);
    await publisher.publishAsync('boards/b1/info', '{"fw":"1.0"}', { qos: 1, retain: true });
    const subscriber = await connectClient(broker.url);
    const received = nextMessage(subscriber, 'boards/b1/info');
    await subscriber.subscribeAsync('boards/b1/info');
    expect(await received).toEqual({ payload: '{"fw":"1.0"}', retain: true });
  });

  it('publishes the last will when a client socket dies without DISCONNECT', async () => {
    const broker = await startBroker();
    const watcher = await connectClient(broker.url);
    await watcher.subscribeAsync('boards/b1/status', { qos: 1 });
    const board = await connectClient(broker.url, {
      clientId: 'board-b1',
      will: { topic: 'boards/b1/status', payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    const will = nextMessage(watcher, 'boards/b1/status');
    board.stream.destroy();
    expect((await will).payload).toBe('offline');
  });

  describe('with users', () => {
    const users = { alice: 'alice-secret', bob: 'bob-secret' };

    it('accepts the right password', async () => {
      const broker = await startBroker({ users });
      const client = await connectClient(broker.url, { username: 'alice', password: 'alice-secret' });
      expect(client.connected).toBe(true);
    });

    it('refuses a wrong password with "bad user name or password"', async () => {
      const broker = await startBroker({ users });
      await expect(
        connectAsync(broker.url, { reconnectPeriod: 0, username: 'alice', password: 'bob-secret' }),
      ).rejects.toMatchObject({ code: 4 });
    });

    it('refuses unknown users and anonymous clients', async () => {
      const broker = await startBroker({ users });
      await expect(
        connectAsync(broker.url, { reconnectPeriod: 0, username: 'mallory', password: 'x' }),
      ).rejects.toMatchObject({ code: 4 });
      await expect(connectAsync(broker.url, { reconnectPeriod: 0 })).rejects.toMatchObject({ code: 5 });
    });
  });

  describe('with the prefix ACL', () => {
    it('matches the username and topics below it only', () => {
      expect(topicInUserPrefix('alice', 'alice')).toBe(true);
      expect(topicInUserPrefix('alice', 'alice/status')).toBe(true);
      expect(topicInUserPrefix('alice', 'alice/#')).toBe(true);
      expect(topicInUserPrefix('alice', 'alicex/status')).toBe(false);
      expect(topicInUserPrefix('alice', '#')).toBe(false);
      expect(topicInUserPrefix('alice', '+/status')).toBe(false);
      expect(topicInUserPrefix(undefined, 'alice/status')).toBe(false);
      expect(topicInUserPrefix('a+', 'a+/x')).toBe(false);
    });

    it('keeps a client out of other prefixes', async () => {
      const broker = await startBroker({ users: { alice: 'a', bob: 'b' }, acl: 'prefix' });
      const alice = await connectClient(broker.url, { username: 'alice', password: 'a' });
      const bob = await connectClient(broker.url, { username: 'bob', password: 'b' });
      const seenByAlice: string[] = [];
      alice.on('message', (topic) => seenByAlice.push(topic));

      // Refused subscriptions get SUBACK 0x80, which mqtt.js turns into a rejection.
      await expect(alice.subscribeAsync('bob/#')).rejects.toThrow(/Subscribe error/);
      await expect(alice.subscribeAsync('#')).rejects.toThrow(/Subscribe error/);
      await alice.subscribeAsync('alice/#', { qos: 1 });

      const own = nextMessage(alice, 'alice/ping');
      await bob.publishAsync('bob/secret', 'x', { qos: 1 });
      await alice.publishAsync('alice/ping', 'pong', { qos: 1 });
      await own;
      expect(seenByAlice).toEqual(['alice/ping']);
    });
  });

  it('closes promptly with clients and half-open sockets connected', async () => {
    const broker = await startEmbeddedBroker();
    const client = await connectAsync(broker.url, { reconnectPeriod: 0 });
    // A raw socket that never sends CONNECT: aedes does not track it yet.
    const raw = connectTcp(broker.port, '127.0.0.1');
    raw.on('error', () => {});
    await new Promise((resolve) => raw.once('connect', resolve));
    const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));

    const started = Date.now();
    await broker.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await Promise.all([clientClosed, rawClosed]);
    await client.endAsync(true);
  });
});
