// The web mode end to end: the console's main side over real virtual boards (real MicroPython
// running the board/ firmware), the web server, and the renderer's WebSocket transport.
// Embedded demo (aedes, 3 boards, what `npm run web` starts) and a saved profile on mosquitto.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { ConsoleApi, EventOf } from '../common/contract.js';
import { WS_PATH } from '../common/contract.js';
import { createDispatcher } from '../app/dispatcher.js';
import { ConsoleService } from '../app/console-service.js';
import { ProfileStore } from '../app/profile-store.js';
import { startConsole } from '../app/start-console.js';
import { VirtualFleet } from '../sim/fleet.js';
import { buildAppImage } from '../sim/firmware-image-builder.js';
import { simPaths } from '../sim/sim-paths.js';
import { makeTempDir } from '../sim/test-boards.js';
import { startTestBroker } from '../testing/brokers.js';
import { createWebSocketTransport } from '../../src-renderer/api/ws-transport.js';
import type { WebSocketLike } from '../../src-renderer/api/ws-transport.js';
import { startWebServer } from './web-server.js';
import type { EventFeed } from './web-server.js';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(service: ConsoleService): Promise<ConsoleApi> {
  const rootDir = makeTempDir('mqb-web-root-');
  fs.writeFileSync(path.join(rootDir, 'index.html'), '<!doctype html>');
  const events: EventFeed = { subscribe: (l) => service.subscribe(l), clientGone: (id) => service.clientGone(id) };
  const server = await startWebServer({ rootDir, dispatch: createDispatcher(service.handlers), events });
  cleanups.push(() => server.close());
  const api = createWebSocketTransport(`ws://127.0.0.1:${server.port}${WS_PATH}`, server.token, {
    connect: (u) => new WebSocket(u, { origin: server.origin }) as unknown as WebSocketLike,
  });
  cleanups.push(() => api.close());
  return api;
}

async function replOutput(api: ConsoleApi, profileId: string, prefix: string, line: string): Promise<string> {
  let text = '';
  let prompts = 0;
  const off = api.on('tty.output', (e: EventOf<'tty.output'>) => {
    if (e.kind === 'out') text += e.text;
    if (e.kind === 'prompt') prompts++;
  });
  try {
    const { sessionId } = await api.request('tty.open', { profileId, prefix });
    await vi.waitFor(() => expect(prompts).toBe(1), { timeout: 10_000 }); // the first prompt comes after the reply
    await api.request('tty.input', { sessionId, text: line });
    await vi.waitFor(() => expect(prompts).toBe(2), { timeout: 10_000 });
    await api.request('tty.close', { sessionId });
    return text;
  } finally {
    off();
  }
}

describe('web mode with the embedded demo (aedes)', () => {
  let running: Awaited<ReturnType<typeof startConsole>>;
  let api: ConsoleApi;
  beforeAll(async () => {
    running = await startConsole({ mode: 'web', version: '0.0.0-test', dataDir: makeTempDir('mqb-console-'), demo: 'always', log: () => undefined });
    cleanups.push(() => running.close());
    api = await serve(running.service);
    await vi.waitFor(async () => expect((await api.request('fleet.snapshot', { profileId: 'demo' })).filter((b) => b.online)).toHaveLength(3), { timeout: 60_000, interval: 500 });
  }, 90_000);

  it('shows the 3 demo boards and runs code and file operations on one', async () => {
    const info = await api.request('app.info', {});
    expect(info).toEqual({ mode: 'web', version: '0.0.0-test', demo: true, demoProfileId: 'demo' });
    const [profile] = await api.request('profiles.list', {});
    expect(profile).toMatchObject({ id: 'demo', builtin: true, hasPassword: true, state: 'online' });
    expect(JSON.stringify(profile)).not.toContain(running.demo!.console.password);

    const boards = await api.request('fleet.snapshot', { profileId: 'demo' });
    expect(boards.map((b) => b.prefix).sort()).toEqual(['sim/sim-01', 'sim/sim-02', 'sim/sim-03']);
    expect(boards[0]).toMatchObject({ proto: 2, caps: expect.arrayContaining(['eval', 'ls', 'put']) });

    const target = { profileId: 'demo', prefix: 'sim/sim-01' };
    await expect(api.request('board.eval', { ...target, source: '6 * 7' })).resolves.toEqual({ output: '42' });
    await expect(api.request('board.eval', { ...target, source: 'undefined_name' })).rejects.toMatchObject({ code: 'BOARD_ERROR', message: expect.stringContaining('NameError') });
    await expect(api.request('board.eval', { profileId: 'demo', prefix: 'sim/nope', source: '1' })).rejects.toMatchObject({ code: 'NO_BOARD' });

    await api.request('board.writeText', { ...target, path: '/notes.txt', text: 'héllo\n' });
    await expect(api.request('board.readText', { ...target, path: '/notes.txt' })).resolves.toMatchObject({ text: 'héllo\n' });
    const root = await api.request('board.ls', { ...target, path: '/' });
    expect(root.map((e) => e.name)).toEqual(expect.arrayContaining(['main.py', 'notes.txt']));
  }, 60_000);

  it('runs a REPL session on a demo board', async () => {
    expect(await replOutput(api, 'demo', 'sim/sim-02', 'print(sum(range(10)))')).toContain('45');
  }, 60_000);

  it('upgrades a demo board over the air from image bytes, with progress, and it boots the new image', async () => {
    const image = new Uint8Array(buildAppImage({ version: 'v2.0.0-ui', projectName: 'demo-app', totalSize: 120_000 }));
    const file = { kind: 'bytes' as const, name: 'demo-app.bin', data: image };
    await expect(api.request('ota.inspect', { image: file })).resolves.toMatchObject({ name: 'demo-app.bin', project: 'demo-app', version: 'v2.0.0-ui', size: 120_000 });
    const phases: string[] = [];
    let sent = 0;
    api.on('ota.progress', (e) => {
      if (e.prefix !== 'sim/sim-02') return;
      phases.push(e.phase);
      sent = Math.max(sent, e.sent);
    });
    const { jobId } = await api.request('ota.start', { image: file, targets: [{ profileId: 'demo', prefix: 'sim/sim-02' }], reset: true });
    expect(jobId).toMatch(/^[A-Za-z0-9_-]+$/);
    await vi.waitFor(() => expect(phases).toContain('done'), { timeout: 60_000, interval: 200 });
    expect(phases[0]).toBe('queued');
    expect(phases).toContain('sending');
    expect(phases).not.toContain('failed');
    expect(sent).toBe(120_000);
    await vi.waitFor(
      async () => {
        const board = (await api.request('fleet.snapshot', { profileId: 'demo' })).find((b) => b.prefix === 'sim/sim-02');
        expect(board).toMatchObject({ online: true, fw: 'v2.0.0-ui', project: 'demo-app', partition: 'ota_1' });
      },
      { timeout: 60_000, interval: 500 },
    );
  }, 120_000);
});

describe('web mode with a saved profile (mosquitto)', () => {
  it('connects the profile, lists the board and evaluates on it', async () => {
    const dir = makeTempDir('mqb-fleet-');
    const fleet = VirtualFleet.open({ dir, count: 1, firmwareDir: simPaths().boardDir, prefixRoot: 'lab', radio: 'instant' });
    const broker = await startTestBroker('mosquitto', { users: { ...fleet.brokerUsers(), console: 'console-pw' } });
    cleanups.push(() => broker.close());
    fleet.configure({ host: '127.0.0.1', port: broker.port, tls: false });
    cleanups.push(() => fleet.stop());
    await fleet.start();

    const profiles = new ProfileStore();
    const service = new ConsoleService({ info: { mode: 'web', version: 't' }, profiles });
    cleanups.push(() => service.close());
    const api = await serve(service);
    const states: string[] = [];
    api.on('profiles.state', (e) => states.push(e.state));
    const saved = await api.request('profiles.save', { name: 'Lab broker', url: broker.url, username: 'console', password: 'console-pw' });
    expect(saved).toMatchObject({ id: 'lab-broker', hasPassword: true, state: 'offline' });
    await api.request('profiles.connect', { id: saved.id });
    await vi.waitFor(() => expect(states).toContain('online'));

    const changes: string[] = [];
    api.on('fleet.changed', (e) => changes.push(...e.upserts.map((b) => b.prefix)));
    await vi.waitFor(async () => expect(await api.request('fleet.snapshot', { profileId: saved.id })).toMatchObject([{ prefix: 'lab/sim-01', online: true }]), { timeout: 60_000, interval: 500 });
    await expect(api.request('board.eval', { profileId: saved.id, prefix: 'lab/sim-01', source: '"ok" * 2' })).resolves.toEqual({ output: "'okok'" });
    await vi.waitFor(() => expect(changes).toContain('lab/sim-01'), { timeout: 30_000 });
  }, 120_000);
});
