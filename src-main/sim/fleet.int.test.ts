import * as fs from 'node:fs';
import * as path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../core/embedded-broker.js';
import { VirtualFleet } from './fleet.js';
import { makeTempDir } from './test-boards.js';

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'mqtt-keepalive');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('virtual fleet', () => {
  it('runs 50 boards at once on this machine and they stay connected', async () => {
    const dir = makeTempDir();
    const fleet = VirtualFleet.open({ dir, count: 50, firmwareDir: FIXTURE });
    const broker = await startEmbeddedBroker({ users: { ...fleet.brokerUsers(), observer: 'observer-pw' } });
    cleanups.push(() => broker.close());
    fleet.configure({ host: '127.0.0.1', port: broker.port, tls: false });
    cleanups.push(() => fleet.stop());

    const alive = new Map<string, string>();
    const observer = await mqtt.connectAsync(broker.url, { username: 'observer', password: 'observer-pw' });
    cleanups.push(() => observer.endAsync());
    observer.on('message', (topic, payload) => alive.set(topic, payload.toString()));
    await observer.subscribeAsync('sim/+/alive', { qos: 1 });

    const rssBefore = process.memoryUsage().rss;
    const t0 = Date.now();
    await fleet.start();
    await waitFor(() => [...alive.values()].filter((v) => v === '1').length === 50, 60_000, '50 boards online');
    const startMs = Date.now() - t0;
    const rssAfter = process.memoryUsage().rss;
    console.log(`50 boards online in ${startMs} ms; RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB → ${(rssAfter / 2 ** 20).toFixed(0)} MB (${((rssAfter - rssBefore) / 50 / 2 ** 20).toFixed(1)} MB per board)`);

    // Through at least one keepalive ping cycle (10 s): nobody drops, nobody reconnects.
    await new Promise((r) => setTimeout(r, 12_000));
    expect([...alive.values()].filter((v) => v === '1')).toHaveLength(50);
    const sessions = await Promise.all(fleet.boards.map((b) => b.probeJson<[number, string]>('(connects, state)')));
    expect(sessions.every(([n, s]) => n === 1 && s === 'connected')).toBe(true);
    expect(fleet.boards.every((b) => b.power === 'running' && b.bootCount === 1)).toBe(true);
  }, 120_000);

  it('keeps boards and credentials across runs, and refuses unknown boards clearly', async () => {
    const dir = makeTempDir();
    const first = VirtualFleet.open({ dir, count: 2, firmwareDir: FIXTURE });
    first.configure({ host: '127.0.0.1', port: 1883, tls: false });
    const users = first.brokerUsers();
    const again = VirtualFleet.open({ dir, count: 3, firmwareDir: FIXTURE });
    again.configure({ host: '127.0.0.1', port: 1999, tls: false });
    expect(again.brokerUsers()).toMatchObject(users);
    expect(Object.keys(again.brokerUsers())).toEqual(['sim/sim-01', 'sim/sim-02', 'sim/sim-03']);
    expect(fs.readFileSync(path.join(dir, 'sim-01', 'flash', 'board_config.py'), 'utf8')).toContain('"port": 1999');
    expect(fs.statSync(path.join(dir, 'fleet.json')).mode & 0o077).toBe(0);
    expect(() => again.board('sim-09')).toThrow(/no virtual board "sim-09" in this fleet \(boards: sim-01, sim-02, sim-03\)/);
    expect(() => VirtualFleet.open({ dir, count: 0, firmwareDir: FIXTURE })).toThrow(/from 1 to 500/);
    expect(() => VirtualFleet.open({ dir, count: 1, firmwareDir: dir })).toThrow(/no main\.py/);
  });

  it('a broker given by name is in the boards\' DNS table (their getaddrinfo knows only that table)', async () => {
    const fleet = VirtualFleet.open({ dir: makeTempDir(), count: 1, firmwareDir: FIXTURE });
    cleanups.push(() => fleet.stop());
    const asked: string[] = [];
    await fleet.knowHost('broker.lan', async (name) => (asked.push(name), '127.0.0.1'));
    await fleet.knowHost('10.1.2.3');
    fleet.configure({ host: 'broker.lan', port: 1883, tls: false });
    const board = fleet.boards[0]!;
    await board.powerOn();
    expect(asked).toEqual(['broker.lan']);
    expect(await board.probeJson('__import__("socket").getaddrinfo("broker.lan", 1883)[0][-1]')).toEqual(['127.0.0.1', 1883]);
  });

  it('a board with corrupt partitions halts without touching its neighbour', async () => {
    const dir = makeTempDir();
    const fleet = VirtualFleet.open({ dir, count: 2, firmwareDir: FIXTURE });
    fleet.configure({ host: '127.0.0.1', port: 1, tls: false });
    cleanups.push(() => fleet.stop());
    const [bad, good] = fleet.boards as [(typeof fleet.boards)[0], (typeof fleet.boards)[0]];
    fs.writeFileSync(path.join(bad.state.partitionDir, 'ota_0.bin'), Buffer.from('not an image at all'));
    // Everything of the good board's that the bad one could damage: identity, partitions, flash.
    const snapshot = () =>
      ['board.json', 'partitions/ota_0.bin', 'partitions/ota_1.bin', 'flash/main.py', 'flash/board_config.py', 'flash/board_secrets.py']
        .map((f) => fs.readFileSync(path.join(good.state.root, f)).toString('base64'));
    const goodBefore = snapshot();
    await fleet.start();
    expect(bad.power).toBe('halted');
    expect(fs.readFileSync(bad.state.serialLog, 'utf8')).toMatch(/ota_0: invalid app image \(not an ESP-IDF app image[^)]*\)[\s\S]*No bootable app/);
    expect(good.power).toBe('running');
    expect(good.lastBoot).toMatchObject({ slot: 'ota_0', version: '', micropython: 'v1.27.0' });
    expect(snapshot()).toEqual(goodBefore);
  });
});
