// The broker ACL the README documents, run on mosquitto as it stands there (read from the README
// itself, so the docs and the test cannot drift apart): every board keeps to its own topics, also
// when one board's prefix is the start of another's (esp32/kitchen vs esp32/kitchen/fridge, and a
// one-level `sim` vs `sim/sim-01`). Each refusal is checked against a delivery that must happen
// (the legitimate flows, and a sentinel published after the forged messages), so that "nothing
// arrived" cannot pass merely because nothing was delivered at all.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectAsync } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMosquitto } from './mosquitto.js';
import type { MosquittoBroker } from './mosquitto.js';

const README = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'README.md');

/** The fenced block of the README that starts with "# /etc/mosquitto/acl". */
export function readmeAcl(): string {
  const blocks = fs.readFileSync(README, 'utf8').split('```');
  const acl = blocks.find((b) => b.trimStart().startsWith('# /etc/mosquitto/acl'));
  if (!acl) throw new Error('README.md has no "# /etc/mosquitto/acl" block');
  return `${acl.trim()}\n`;
}

const BOARDS = ['esp32/kitchen', 'esp32/kitchen/fridge', 'sim', 'sim/sim-01'];
/** [attacker, victim]: the outer prefix against the inner one, and the other way round. */
const PAIRS: Array<[string, string]> = [
  ['esp32/kitchen', 'esp32/kitchen/fridge'],
  ['esp32/kitchen/fridge', 'esp32/kitchen'],
  ['sim', 'sim/sim-01'],
  ['sim/sim-01', 'sim'],
];
const password = (user: string) => `${user.replace(/\//g, '-')}-pw`;
/** Every topic a board uses (docs/protocol.md, board/lib, board/apps/blinky.py). */
const topicsOf = (p: string) => [
  `${p}/mqb/cmd/eval/AAAAAAAA`, `${p}/mqb/cmd/feed/n0nce`, `${p}/mqb/reply/out/AAAAAAAA`, `${p}/mqb/reply/err/AAAAAAAA`,
  `${p}/mqb/status`, `${p}/mqb/crash`, `${p}/log`, `${p}/blinky/period`, `${p}/blinky/state`,
];

interface Client {
  mqtt: MqttClient;
  seen: Array<{ topic: string; text: string }>;
}

let broker: MosquittoBroker;
const clients: MqttClient[] = [];
let consoleClient: Client;

async function connect(user: string, extra: Partial<IClientOptions> = {}): Promise<Client> {
  const mqtt = await connectAsync(broker.url, {
    username: user, password: password(user), protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000,
    clientId: `${user.replace(/\//g, '-')}-${Math.random().toString(36).slice(2, 8)}`, ...extra,
  });
  clients.push(mqtt);
  const seen: Client['seen'] = [];
  mqtt.on('message', (topic, payload) => seen.push({ topic, text: payload.toString() }));
  return { mqtt, seen };
}

/** Publishes and ignores a refusal (MQTT 5: PUBACK "not authorized"): only delivery matters. */
const tryPublish = (c: Client, topic: string, text: string, retain = false) => c.mqtt.publishAsync(topic, text, { qos: 1, retain }).catch(() => undefined);
const trySubscribe = (c: Client, filter: string) => c.mqtt.subscribeAsync(filter, { qos: 1 }).catch(() => undefined);
const received = (c: Client, text: string) => vi.waitFor(() => expect(c.seen.map((m) => m.text)).toContain(text), { timeout: 5_000, interval: 20 });

beforeAll(async () => {
  const users = Object.fromEntries(['console', ...BOARDS].map((u) => [u, password(u)]));
  broker = await startMosquitto({ users, acl: readmeAcl() });
  consoleClient = await connect('console');
  await consoleClient.mqtt.subscribeAsync('#', { qos: 1 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await broker?.close();
});

describe('the README\'s mosquitto ACL', () => {
  it('is the README\'s block, with per-topic rules and no %u/# rule', () => {
    const acl = readmeAcl();
    expect(acl).toMatch(/^pattern read %u\/mqb\/cmd\/#$/m);
    expect(acl).not.toMatch(/^pattern\s+\S+\s+%u\/#$/m);
  });

  it.each(BOARDS)('lets %s do its job: its commands in, its replies, status, crash, log and app state out', async (board) => {
    const b = await connect(board);
    await b.mqtt.subscribeAsync([`${board}/mqb/cmd/#`, `${board}/blinky/period`], { qos: 1 });
    await consoleClient.mqtt.publishAsync(`${board}/mqb/cmd/eval/AAAAAAAA`, 'cmd', { qos: 1 });
    await consoleClient.mqtt.publishAsync(`${board}/blinky/period`, 'period', { qos: 1 });
    await received(b, 'cmd');
    await received(b, 'period');
    const out = topicsOf(board).filter((t) => !t.includes('/mqb/cmd/eval/') && !t.endsWith('/blinky/period'));
    for (const t of out) await b.mqtt.publishAsync(t, `legit ${t}`, { qos: 1 });
    for (const t of out) await received(consoleClient, `legit ${t}`);
    await b.mqtt.endAsync();
  });

  it.each(PAIRS)('keeps %s from commanding, impersonating or reading %s', async (attacker, victim) => {
    const a = await connect(attacker);
    const v = await connect(victim);
    await v.mqtt.subscribeAsync([`${victim}/mqb/cmd/#`, `${victim}/blinky/period`], { qos: 1 });
    for (const f of ['#', `${victim}/#`, `${victim}/mqb/cmd/#`, `${victim}/mqb/reply/#`, `${attacker}/mqb/cmd/#`]) await trySubscribe(a, f);

    // Commands to the victim and messages in its name (the console would trust them).
    const forged = `forged by ${attacker}`;
    for (const t of topicsOf(victim)) await tryPublish(a, t, `${forged} on ${t}`, t.endsWith('/status') || t.endsWith('/crash'));
    await a.mqtt.publishAsync(`${attacker}/log`, `sentinel from ${attacker}`, { qos: 1 });
    await received(consoleClient, `sentinel from ${attacker}`);
    expect(consoleClient.seen.filter((m) => m.text.startsWith(forged))).toEqual([]);
    expect(v.seen).toEqual([]);

    // The victim's traffic both ways, retained status included: none of it reaches the attacker.
    for (const t of topicsOf(victim)) {
      const from = t.includes('/mqb/cmd/eval/') || t.endsWith('/blinky/period') ? consoleClient : v;
      await from.mqtt.publishAsync(t, `secret of ${victim} on ${t}`, { qos: 1, retain: t.endsWith('/status') });
    }
    await received(v, `secret of ${victim} on ${victim}/mqb/cmd/eval/AAAAAAAA`);
    await trySubscribe(a, `${victim}/mqb/status`); // retained messages go out at subscribe time
    await consoleClient.mqtt.publishAsync(`${attacker}/mqb/cmd/eval/SENTINEL`, 'sentinel for the attacker', { qos: 1 });
    await received(a, 'sentinel for the attacker');
    // Overlapping subscriptions (# and its own) deliver the sentinel more than once: topics count.
    expect([...new Set(a.seen.map((m) => m.topic))]).toEqual([`${attacker}/mqb/cmd/eval/SENTINEL`]);
    await consoleClient.mqtt.publishAsync(`${victim}/mqb/status`, '', { qos: 1, retain: true });
    await a.mqtt.endAsync();
    await v.mqtt.endAsync();
  });

  it.each(PAIRS)('keeps %s from leaving a last will in the name of %s', async (attacker, victim) => {
    const will = (text: string) => ({ will: { topic: `${victim}/mqb/status`, payload: Buffer.from(text), qos: 1 as const, retain: false } });
    // Refused at CONNECT or dropped: either way no will may come out.
    const a = await connect(attacker, will(`forged will by ${attacker}`)).catch(() => undefined);
    const v = await connect(victim, will(`will of ${victim}`));
    a?.mqtt.stream.destroy();
    await new Promise((r) => setTimeout(r, 300));
    v.mqtt.stream.destroy();
    await received(consoleClient, `will of ${victim}`);
    expect(consoleClient.seen.filter((m) => m.text === `forged will by ${attacker}`)).toEqual([]);
  });
});
