import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS, startTestBroker } from '../../src-main/testing/brokers.js';
import type { TestBroker } from '../../src-main/testing/brokers.js';
import { WIFI_UP, closeTestBoards, createTestBoard, probeAsync } from '../../src-main/sim/test-boards.js';
import { MQTT_LIB, boardFiles } from './board-files.js';

afterEach(closeTestBoards);

describe.each(BROKER_KINDS)('board MQTT client against %s', (kind) => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker(kind);
  });
  afterAll(() => broker.close());

  /** A board whose MQTT client `c` is connected, and a peer that collects what arrives on b/up/#. */
  async function connectedBoard(clientId: string) {
    const board = createTestBoard({ runBootFiles: false, files: { ...boardFiles(MQTT_LIB), 'wifi.py': WIFI_UP } });
    await board.powerOn();
    const peer = await mqtt.connectAsync(broker.url);
    const got: string[] = [];
    peer.on('message', (t, p) => got.push(`${t}=${p.toString()}`));
    await peer.subscribeAsync('b/up/#', { qos: 1 });
    await board.probe('import sys\nsys.path.append("/lib")\nfrom wifi import *\nimport mqb_mqtt, asyncio\nrx = []');
    await probeAsync(board, 'wifi_up()');
    await board.probe(`c = mqb_mqtt.MQTTClient("127.0.0.1", ${broker.port}, ${JSON.stringify(clientId)}, keepalive=20)\nc.start()`);
    await probeAsync(board, 'c.wait_connected()');
    return { board, peer, got };
  }

  it('connects, subscribes, publishes QoS 0 and 1 both ways', async () => {
    const { board, peer, got } = await connectedBoard('b1');
    await probeAsync(board, 'c.subscribe("b/down", lambda t, m, r, d: rx.append((t, bytes(m).decode(), d)))');
    await probeAsync(board, 'c.publish("b/up/0", "zero")');
    await probeAsync(board, 'c.publish("b/up/1", b"one", qos=1)');
    await probeAsync(board, 'c.wait_all_acked()');
    await peer.publishAsync('b/down', 'hello', { qos: 1 });
    await peer.publishAsync('b/down', 'q0', { qos: 0 });
    const deadline = Date.now() + 5000;
    while ((await board.probeJson<unknown[]>('rx')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await board.probeJson('rx')).toEqual([['b/down', 'hello', false], ['b/down', 'q0', false]]);
    expect(got.sort()).toEqual(['b/up/0=zero', 'b/up/1=one']);
    await peer.endAsync();
  });

  it('a publish while the event loop cannot run never cuts into a packet another task is draining', async () => {
    const { board, peer, got } = await connectedBoard('b2');
    // A task suspended in Stream.drain() with a packet the socket has not taken yet (a full socket).
    await probeAsync(board, 'c._lock.acquire()');
    await board.probe('held = b"\\x30\\x0e\\x00\\x08b/up/busheld"\nc._w.out_buf = held');
    expect(await board.probeJson('[c.publish_sync("b/up/sync", b"one"), c._w.out_buf == held]')).toEqual([false, true]);
    await probeAsync(board, 'c._w.drain()');
    await board.probe('c._lock.release()');
    expect(await board.probeJson('c.publish_sync("b/up/sync", b"two")')).toBe(true);
    // The holder waits in drain() with nothing in flight: writing is safe then.
    await probeAsync(board, 'c._lock.acquire()');
    expect(await board.probeJson('c.publish_sync("b/up/sync", b"three")')).toBe(true);
    await board.probe('c._lock.release()');
    await probeAsync(board, 'c.wait_all_acked()');
    const deadline = Date.now() + 5000;
    while (got.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Whole packets only (a cut one would end the connection); order is kept per topic.
    expect(got.filter((m) => m.startsWith('b/up/bus'))).toEqual(['b/up/bus=held']);
    expect(got.filter((m) => m.startsWith('b/up/sync'))).toEqual(['b/up/sync=two', 'b/up/sync=three']);
    await peer.endAsync();
  });

  it('drops a message whose topic is too long to keep, acknowledged, and stays connected', async () => {
    const { board, peer } = await connectedBoard('b3');
    await probeAsync(board, 'c.subscribe("b/down/#", lambda t, m, r, d: rx.append((len(t), bytes(m).decode())))');
    const connects = await board.probeJson<number>('c.connects');
    const long = `b/down/${'x'.repeat(900)}`; // past the 768 bytes the client keeps
    await peer.publishAsync(long, 'too long', { qos: 1 }); // resolves on the board's PUBACK, via the broker
    await peer.publishAsync(long, 'small packet', { qos: 0 });
    await peer.publishAsync(`b/down/${'y'.repeat(700)}`, 'fits', { qos: 1 });
    const deadline = Date.now() + 5000;
    while ((await board.probeJson<unknown[]>('rx')).length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await board.probeJson('rx')).toEqual([[707, 'fits']]);
    expect(await board.probeJson('(c.connected, c.connects)')).toEqual([true, connects]);
    await peer.endAsync();
  });
});
