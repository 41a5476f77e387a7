import { connect, connectAsync } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { generate } from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedBroker } from './scripted-broker.js';
import type { ScriptedBroker, ScriptedBrokerOptions, ScriptedConnection } from './scripted-broker.js';

describe('scripted broker with an mqtt.js client', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startBroker(opts: ScriptedBrokerOptions = {}): Promise<ScriptedBroker> {
    const broker = await startScriptedBroker(opts);
    cleanups.push(() => broker.close());
    return broker;
  }

  function track(client: MqttClient): MqttClient {
    client.on('error', () => undefined); // Destroyed links surface as errors; the tests check packets.
    cleanups.push(() => client.endAsync(true));
    return client;
  }

  async function connectClient(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
    return track(await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3_000, ...opts }, false));
  }

  const settledWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
    Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

  it('answers CONNECT with CONNACK and records both', async () => {
    const broker = await startBroker();
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const client = await connectClient(broker.url, { clientId: 'scripted-1', protocolVersion: 4 });
    expect(client.connected).toBe(true);
    const conn = await broker.nextConnection();
    expect(conn.id).toBe(1);
    const connectPacket = await conn.nextPacket('connect');
    expect(connectPacket.clientId).toBe('scripted-1');
    expect(connectPacket.protocolVersion).toBe(4);
    expect(conn.sent()).toEqual([{ cmd: 'connack', returnCode: 0, sessionPresent: false }]);
  });

  it('lets the test write the CONNACK itself when autoConnack is off', async () => {
    const broker = await startBroker({ autoConnack: false });
    const pending = connectClient(broker.url);
    const conn = await broker.nextConnection();
    await conn.nextPacket('connect');
    expect(await settledWithin(pending, 300)).toBe(false);
    conn.connack(0, true);
    const client = await pending;
    expect(client.connected).toBe(true);

    const refused = connectClient(broker.url);
    const second = await broker.nextConnection();
    await second.nextPacket('connect');
    second.connack(5); // Not authorized.
    await expect(refused).rejects.toThrow(/not authorized/i);
  });

  it('acknowledges SUBSCRIBE with the requested QoS, or what the test grants', async () => {
    const broker = await startBroker();
    const client = await connectClient(broker.url);
    const conn = await broker.nextConnection();
    const granted = await client.subscribeAsync('boards/+/status', { qos: 1 });
    expect(granted).toEqual([{ topic: 'boards/+/status', qos: 1 }]);
    const subscribe = await conn.nextPacket('subscribe');
    expect(subscribe.subscriptions).toEqual([{ topic: 'boards/+/status', qos: 1 }]);

    conn.auto.autoSuback = false;
    const downgraded = client.subscribeAsync('boards/+/log', { qos: 1 });
    const second = await conn.nextPacket('subscribe');
    expect(await settledWithin(downgraded, 200)).toBe(false);
    conn.suback(second.messageId ?? -1, [0]);
    expect(await downgraded).toEqual([{ topic: 'boards/+/log', qos: 0 }]);
  });

  it('sends PUBACK for QoS 1 only while autoPuback is on', async () => {
    const broker = await startBroker();
    const client = await connectClient(broker.url);
    const conn = await broker.nextConnection();
    await client.publishAsync('t/auto', 'one', { qos: 1 });
    const first = await conn.nextPacket('publish');
    expect(conn.sent().filter((packet) => packet.cmd === 'puback')).toEqual([{ cmd: 'puback', messageId: first.messageId }]);

    conn.auto.autoPuback = false;
    const unacked = client.publishAsync('t/manual', 'two', { qos: 1 });
    const second = await conn.nextPacket((packet) => packet.cmd === 'publish' && packet.topic === 't/manual');
    expect(await settledWithin(unacked, 300)).toBe(false);
    expect(conn.sent().filter((packet) => packet.cmd === 'puback')).toHaveLength(1);
    conn.puback(second.messageId ?? -1);
    await unacked;
  });

  it('sees mqtt.js resend an unacknowledged QoS 1 PUBLISH with its original id after a dropped link', async () => {
    const broker = await startBroker({ autoPuback: false });
    const client = track(
      connect(broker.url, { clientId: 'scripted-resend', clean: false, reconnectPeriod: 100, connectTimeout: 3_000 }),
    );
    const first = await broker.nextConnection();
    expect((await first.nextPacket('connect')).clean).toBe(false);
    const published = client.publishAsync('boards/b1/event', 'boot', { qos: 1 });
    const original = await first.nextPacket('publish');
    expect(original.dup).toBe(false);
    expect(original.qos).toBe(1);

    first.destroy();
    await first.closed;
    const second = await broker.nextConnection();
    expect((await second.nextPacket('connect')).clientId).toBe('scripted-resend');
    const resent = await second.nextPacket('publish');
    expect(resent.messageId).toBe(original.messageId);
    // Not asserted: mqtt.js 5.16 replays its store with DUP clear (first byte 0x32), against
    // MQTT-3.3.1-1. The next test shows the DUP flag is reported when a client does set it.
    expect(resent.topic).toBe('boards/b1/event');
    expect(Buffer.from(resent.payload).toString()).toBe('boot');

    expect(await settledWithin(published, 100)).toBe(false);
    second.puback(resent.messageId ?? -1);
    await published;
  });

  it('reports the DUP flag and packet id of a resent PUBLISH', async () => {
    const broker = await startBroker({ autoPuback: false });
    // A bare TCP client speaking through mqtt-packet, so the test controls the DUP flag.
    const rawClient = async (packets: Packet[]): Promise<Socket> => {
      const socket = createConnection({ host: '127.0.0.1', port: broker.port });
      socket.on('error', () => undefined);
      cleanups.push(async () => socket.destroy());
      await once(socket, 'connect');
      for (const packet of packets) socket.write(generate(packet));
      return socket;
    };
    const connectPacket: Packet = { cmd: 'connect', clientId: 'raw-1', protocolVersion: 4, clean: false, keepalive: 60 };
    const publish = { cmd: 'publish', topic: 'raw/t', payload: 'x', qos: 1, messageId: 42, retain: false } as const;
    const socket = await rawClient([connectPacket, { ...publish, dup: false }]);
    const first = await broker.nextConnection();
    expect(await first.nextPacket('publish')).toMatchObject({ messageId: 42, dup: false });
    socket.destroy();
    await first.closed;
    await rawClient([connectPacket, { ...publish, dup: true }]);
    const second = await broker.nextConnection();
    expect(await second.nextPacket('publish')).toMatchObject({ messageId: 42, dup: true, topic: 'raw/t' });
    expect(second.packets().map((packet) => packet.cmd)).toEqual(['connect', 'publish']);
  });

  it('delivers scripted PUBLISHes, also when split across TCP writes', async () => {
    const broker = await startBroker();
    const client = await connectClient(broker.url);
    const conn = await broker.nextConnection();
    const messages: string[] = [];
    const twoMessages = new Promise<void>((resolve) =>
      client.on('message', (_topic, payload) => {
        messages.push(payload.toString());
        if (messages.length === 2) resolve();
      }),
    );
    conn.send({ cmd: 'publish', topic: 'cmd/b1', payload: 'whole', qos: 1, messageId: 7, dup: false, retain: false });
    const bytes = generate({ cmd: 'publish', topic: 'cmd/b1', payload: 'pieces', qos: 0, dup: false, retain: false });
    for (const byte of bytes) {
      conn.sendRaw(Uint8Array.of(byte));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await twoMessages;
    expect(messages).toEqual(['whole', 'pieces']);
    expect((await conn.nextPacket('puback')).messageId).toBe(7);
  });

  it('answers PINGREQ while autoPingresp is on', async () => {
    const broker = await startBroker();
    await connectClient(broker.url, { keepalive: 1 });
    const conn = await broker.nextConnection();
    await conn.nextPacket('pingreq', 3_000);
    expect(conn.sent().some((packet) => packet.cmd === 'pingresp')).toBe(true);
  });

  it('rejects waits on timeout or close, and lists connections in order', async () => {
    const broker = await startBroker();
    const seen: ScriptedConnection[] = [];
    const iterating = (async () => {
      for await (const conn of broker.connections) seen.push(conn);
    })();
    await connectClient(broker.url);
    await connectClient(broker.url);
    const first = await broker.nextConnection();
    const second = await broker.nextConnection();
    expect([first.id, second.id]).toEqual([1, 2]);
    expect(broker.allConnections()).toEqual([first, second]);
    await expect(first.nextPacket('subscribe', 100)).rejects.toThrow(/timed out after 100 ms.*connect/);
    const never = second.nextPacket('subscribe', 5_000);
    second.destroy();
    await expect(never).rejects.toThrow(/connection closed/);
    expect(second.isClosed).toBe(true);
    await expect(broker.nextConnection(50)).rejects.toThrow(/timed out/);
    await broker.close();
    await iterating;
    expect(seen).toEqual([first, second]);
  });
});
