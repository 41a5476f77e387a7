import { connectAsync } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestBroker } from './brokers.js';
import type { TestBroker } from './brokers.js';
import { startFaultProxy } from './fault-proxy.js';
import type { ChaosEvent, FaultProxy } from './fault-proxy.js';

describe('fault proxy in front of aedes', () => {
  let broker: TestBroker;
  let proxy: FaultProxy;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeEach(async () => {
    broker = await startTestBroker('aedes');
    proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: broker.port } });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await proxy.close();
    expect(proxy.connections()).toBe(0);
    await broker.close();
  });

  async function connect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
    // allowRetries=false: a connection closed before CONNACK rejects instead of hanging.
    const client = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3_000, ...opts }, false);
    // Resets surface as ECONNRESET 'error' events; an unhandled one would crash the run.
    client.on('error', () => undefined);
    cleanups.push(() => client.endAsync(true));
    return client;
  }

  function nextMessage(client: MqttClient, withinMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        client.off('message', onMessage);
        resolve(undefined);
      }, withinMs);
      const onMessage = (_topic: string, payload: Buffer): void => {
        clearTimeout(timer);
        client.off('message', onMessage);
        resolve(payload.toString());
      };
      client.on('message', onMessage);
    });
  }

  it('forwards traffic both ways in pass mode', async () => {
    expect(proxy.url).toBe(`mqtt://127.0.0.1:${proxy.port}`);
    const subscriber = await connect(proxy.url);
    const publisher = await connect(proxy.url);
    expect(proxy.connections()).toBe(2);
    await subscriber.subscribeAsync('fp/pass', { qos: 1 });
    const received = nextMessage(subscriber, 5_000);
    await publisher.publishAsync('fp/pass', 'hello', { qos: 1 });
    expect(await received).toBe('hello');
    const stats = proxy.stats();
    expect(stats.accepted).toBe(2);
    expect(stats.bytesUp).toBeGreaterThan(0);
    expect(stats.bytesDown).toBeGreaterThan(0);
  });

  it('reset disconnects clients, which can reconnect', async () => {
    const client = await connect(proxy.url, { reconnectPeriod: 100 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const offline = new Promise<void>((resolve) => client.once('offline', () => resolve()));
    const reconnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
    proxy.resetAll();
    await closed;
    await offline;
    expect(proxy.stats().resets).toBe(1);
    await reconnected;
    expect(proxy.connections()).toBe(1);
  });

  it('blackhole discards traffic for good, and new connections get no CONNACK', async () => {
    const subscriber = await connect(proxy.url);
    const publisher = await connect(broker.url);
    await subscriber.subscribeAsync('fp/bh', { qos: 0 });

    proxy.setMode('blackhole');
    const during = nextMessage(subscriber, 1_000);
    await publisher.publishAsync('fp/bh', 'lost', { qos: 0 });
    expect(await during).toBeUndefined();
    expect(proxy.stats().bytesDiscarded).toBeGreaterThan(0);
    expect(proxy.connections()).toBe(1);

    const refused = await connect(proxy.url, { connectTimeout: 500 }).then(
      () => 'connected',
      () => 'failed',
    );
    expect(refused).toBe('failed');

    proxy.setMode('pass');
    const after = nextMessage(subscriber, 5_000);
    await publisher.publishAsync('fp/bh', 'after', { qos: 0 });
    // The first message after the blackhole is the new one: 'lost' was not held back.
    expect(await after).toBe('after');
  });

  it('latency delays a round trip by at least twice the latency, in order', async () => {
    const client = await connect(proxy.url);
    await client.subscribeAsync('fp/lat', { qos: 0 });
    const latencyMs = 150;
    proxy.setMode({ latencyMs });
    const received: string[] = [];
    const allReceived = new Promise<void>((resolve) =>
      client.on('message', (_topic, payload) => {
        received.push(payload.toString());
        if (received.length === 10) resolve();
      }),
    );
    const start = performance.now();
    for (let i = 0; i < 10; i += 1) client.publish('fp/lat', `m${i}`, { qos: 0 });
    await allReceived;
    expect(performance.now() - start).toBeGreaterThanOrEqual(2 * latencyMs);
    expect(received).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
  });

  it('keeps chunk order when the latency drops mid-stream', async () => {
    const client = await connect(proxy.url);
    await client.subscribeAsync('fp/order', { qos: 0 });
    const received: string[] = [];
    const both = new Promise<void>((resolve) =>
      client.on('message', (_topic, payload) => {
        received.push(payload.toString());
        if (received.length === 2) resolve();
      }),
    );
    proxy.setMode({ latencyMs: 300 });
    client.publish('fp/order', 'slow', { qos: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    proxy.setMode('pass');
    client.publish('fp/order', 'fast', { qos: 0 });
    await both;
    expect(received).toEqual(['slow', 'fast']);
  });

  it('drop closes existing connections and refuses new ones until pass', async () => {
    const existing = await connect(proxy.url);
    const closed = new Promise<void>((resolve) => existing.once('close', () => resolve()));
    proxy.setMode('drop');
    await closed;
    await expect(connect(proxy.url)).rejects.toThrow();
    const stats = proxy.stats();
    expect(stats.refused).toBe(1);
    expect(stats.resets).toBe(1);
    proxy.setMode('pass');
    const again = await connect(proxy.url);
    expect(again.connected).toBe(true);
  });

  it('chaos picks the same faults for the same seed and returns to pass when stopped', async () => {
    const run = async (seed: number): Promise<Omit<ChaosEvent, 'atMs'>[]> => {
      const events: ChaosEvent[] = [];
      const stop = proxy.startChaos({
        everyMs: 10,
        seed,
        actions: ['reset', 'blackhole', 'latency', 'drop'],
        onAction: (event) => events.push(event),
      });
      while (events.length < 12) await new Promise((resolve) => setTimeout(resolve, 10));
      stop();
      expect(proxy.mode()).toBe('pass');
      return events.slice(0, 12).map(({ atMs: _atMs, ...rest }) => rest);
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(await run(7)).not.toEqual(first);
    // Every kind in every round of four ticks.
    for (let i = 0; i < 12; i += 4) expect(new Set(first.slice(i, i + 4).map((event) => event.action)).size).toBe(4);
    for (const event of first) {
      if (event.action === 'latency') expect(event.latencyMs).toBeGreaterThanOrEqual(50);
      if (event.action === 'latency') expect(event.latencyMs).toBeLessThanOrEqual(300);
    }
  });

  it('chaos stops by itself after durationMs', async () => {
    const client = await connect(proxy.url, { reconnectPeriod: 50 });
    let actions = 0;
    proxy.startChaos({ everyMs: 30, seed: 1, actions: ['reset'], durationMs: 200, onAction: () => (actions += 1) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const count = actions;
    expect(count).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(actions).toBe(count);
    expect(proxy.mode()).toBe('pass');
    if (!client.connected) await new Promise((resolve) => client.once('connect', resolve));
    expect(proxy.stats().resets).toBeGreaterThan(0);
  });
});
