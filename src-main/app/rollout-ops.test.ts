// Rollouts through the console's contract, over the real Engine with a fake broker session: the
// CLI's rollouts are listed (one data dir), bad settings are refused before anything is stored,
// and a rollout started from the UI is saved where `mqboard rollout status` reads it, answers
// `mqboard rollout pause`, and is paused, aborted and refused to resume like the CLI's.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventSchema } from '../common/contract.js';
import type { EventName, RolloutView } from '../common/contract.js';
import { DEFAULT_GATE, DEFAULT_THRESHOLD } from '../common/rollout-plan.js';
import { createRollout } from '../common/rollout-state.js';
import { validate } from '../common/schema.js';
import { Engine } from '../core/engine.js';
import { FakeSession } from '../core/fake-session.js';
import { RolloutStore } from '../core/rollout-store.js';
import { buildAppImage } from '../sim/firmware-image-builder.js';
import { ConsoleService } from './console-service.js';
import { createDispatcher } from './dispatcher.js';
import { ProfileStore } from './profile-store.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-rollout-ops-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const status = (prefix: string, tags?: string[]) => JSON.stringify({ online: true, prefix, fw: 'v1.0.0', proto: 2, caps: ['eval', 'ota'], partition: 'ota_0', ...(tags && { tags }) });
const IMAGE = buildAppImage({ version: 'v2.0.0', totalSize: 4_096 });
const image = { kind: 'bytes' as const, name: 'fw.bin', data: IMAGE };

async function until(what: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let services: ConsoleService[] = [];
afterEach(async () => {
  for (const s of services) await s.close();
  services = [];
});

async function setup(boards = ['sim/b1', 'sim/b2', 'sim/b3'], tags: Record<string, string[]> = {}) {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  const session = new (class extends FakeSession {
    close = async () => undefined;
  })();
  const engine = new Engine({ openSession: async () => session });
  const profiles = new ProfileStore({ builtin: [{ id: 'lab', name: 'Lab', url: 'mqtt://lab:1883' }] });
  const service = new ConsoleService({ info: { mode: 'web', version: 't' }, profiles, engine, rolloutDataDir: dataDir });
  services.push(service);
  const events: [EventName, unknown][] = [];
  service.subscribe((e, d) => events.push([e, d]));
  const dispatch = createDispatcher(service.handlers);
  const call = async (op: string, params: unknown) => dispatch(op, params, { clientId: 'c1' });
  expect(await call('profiles.connect', { id: 'lab' })).toEqual({ ok: true, result: {} });
  for (const p of boards) session.deliver(`${p}/mqb/status`, status(p, tags[p]), { retain: true, dup: false });
  const store = new RolloutStore(dataDir);
  const changes = () => events.filter(([e]) => e === 'rollouts.changed').map(([, d]) => (d as { rollout: RolloutView }).rollout);
  return { call, store, events, changes, service };
}

describe('rollouts from the console', () => {
  it('lists and shows a rollout the CLI stored, with its waves and per-board states', async () => {
    const { call, store } = await setup();
    const def = { id: '20261207T100000Z-00aa', createdAt: 1, patterns: ['sim/*'], waves: [{ count: 1 }, { percent: 100 }], gate: DEFAULT_GATE, threshold: DEFAULT_THRESHOLD, concurrency: 4, what: { kind: 'firmware' as const, file: '/x/fw.bin', sha256: 'ab', size: 10, version: 'v2.0.0', project: 'p' } };
    const r = createRollout(def, ['sim/b1', 'sim/b2', 'sim/b3'], 2);
    const modules = Array.from({ length: 80 }, (_, i) => `app${i} 1.0.${i}`).join(', '); // a file set's "version", over the contract's 500
    await store.save({ ...r, status: 'paused', reason: '1 of 1 board(s) failed in the canary', boards: { ...r.boards, 'sim/b1': { ...r.boards['sim/b1']!, phase: 'rolled-back', reason: 'reset before confirming', fromFw: modules } } });
    expect(await call('rollouts.list', {})).toMatchObject({ ok: true, result: [{ id: def.id, status: 'paused', version: 'v2.0.0', waveSizes: '1,100%', boards: 3, runner: 'none' }] });
    const got = await call('rollouts.get', { id: def.id });
    expect(got).toMatchObject({ ok: true, result: { reason: '1 of 1 board(s) failed in the canary', waves: [[{ prefix: 'sim/b1', phase: 'rolled-back', reason: 'reset before confirming' }], [{ prefix: 'sim/b2', phase: 'pending' }, { prefix: 'sim/b3', phase: 'pending' }]] } });
    expect((got as { result: RolloutView }).result.waves[0]![0]!.fromFw).toMatch(/^app0 1\.0\.0, .{400,}…$/);
    expect(await call('rollouts.get', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/no rollout "nope"/) } });
  });

  it('refuses bad waves, a bad threshold, a file that is no image, and patterns that match no board; nothing is stored', async () => {
    const { call, store } = await setup();
    const start = (extra: object) => call('rollouts.start', { profileId: 'lab', image, patterns: ['sim/*'], ...extra });
    expect(await start({ waves: '1,x' })).toEqual({ ok: false, error: { code: 'USAGE', message: 'waves: "x" is neither a whole number of boards nor a percentage up to 100%' } });
    expect(await start({ threshold: '-1' })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/^failure threshold/) } });
    expect(await start({ image: { kind: 'bytes', name: 'notes.txt', data: new Uint8Array([1, 2, 3]) } })).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(await start({ patterns: ['lab/*'] })).toMatchObject({ ok: false, error: { code: 'NO_BOARD', message: 'no board of this broker matches lab/*' } });
    expect(await start({ patterns: ['sim/#'] })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await start({ concurrency: 0 })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await store.list()).toEqual([]);
  });

  it('chooses boards by tag (all of them, with or without patterns); a bad tag is refused', async () => {
    const { call, store } = await setup(['sim/b1', 'sim/b2', 'lab/b3'], { 'sim/b2': ['kitchen', 'battery'], 'lab/b3': ['kitchen'] });
    const start = (extra: object) => call('rollouts.start', { profileId: 'lab', image, waves: '100%', stableS: 5, ...extra });
    expect(await start({ patterns: [], tags: ['cellar'] })).toMatchObject({ ok: false, error: { code: 'NO_BOARD', message: 'no board of this broker matches tag:cellar' } });
    expect(await start({ patterns: [], tags: ['bad tag'] })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await start({ patterns: [] })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/which boards\?/) } });
    const byTag = await start({ patterns: [], tags: ['kitchen'] });
    const id = (byTag as { result: { id: string } }).result.id;
    expect(Object.keys((await store.load(id)).boards).sort()).toEqual(['lab/b3', 'sim/b2']);
    expect(await call('rollouts.abort', { id })).toMatchObject({ ok: true });
    const both = (await start({ patterns: ['sim/*'], tags: ['kitchen'], wakeWaitS: 900 })) as { result: { id: string } };
    const saved = await store.load(both.result.id);
    expect(Object.keys(saved.boards)).toEqual(['sim/b2']);
    expect(saved.def.tags).toEqual(['kitchen']);
    expect(saved.def.wakeWaitS).toBe(900); // kept: a resume (also `mqboard rollout resume`) waits for sleeping boards alike
    expect(await call('rollouts.list', {})).toMatchObject({ ok: true, result: expect.arrayContaining([expect.objectContaining({ id: both.result.id, patterns: ['sim/*'], tags: ['kitchen'], wakeWaitS: 900 })]) });
    await call('rollouts.abort', { id: both.result.id });
  });

  it('takes a file set (an app folder with its sync spec): checked first, then kept in the data dir for the runner and a resume', async () => {
    const { call, store, changes } = await setup();
    const enc = (t: string) => new TextEncoder().encode(t);
    const app = [{ path: 'myapp/app.spec', data: enc('/src:\n    *.py\n/lib:\n    lib: util.py\n') }, { path: 'myapp/main_app.py', data: enc('print(1)\n') }, { path: 'myapp/lib/util.py', data: enc('X = 1\n') }];
    const start = (fileSet: object, extra: object = {}) => call('rollouts.start', { profileId: 'lab', fileSet, patterns: ['sim/b1'], ...extra });
    const refused = async (fileSet: object, message: RegExp | string, code = 'USAGE') => expect(await start(fileSet)).toMatchObject({ ok: false, error: { code, message: typeof message === 'string' ? message : expect.stringMatching(message) } });
    await refused({ spec: 'myapp/other.spec', files: app }, 'the sync spec myapp/other.spec is not one of the files sent');
    await refused({ spec: 'myapp/app.spec', files: app.slice(0, 2) }, /^myapp\/app\.spec: sync spec line 4: "lib\/util\.py" does not exist/);
    await refused({ spec: 'myapp/app.spec', files: [{ path: 'myapp/app.spec', data: enc('/src:\n    ../../secret.py\n') }, { path: 'secret.py', data: enc('') }] }, /does not exist/);
    await refused({ spec: 'myapp/app.spec', files: [...app, { path: '../x.py', data: enc('') }] }, /relative path of plain names/, 'INVALID_REQUEST');
    await refused({ spec: 'myapp/app.spec', files: [...app, app[1]!] }, 'the file set holds myapp/main_app.py twice');
    await refused({ spec: 'myapp/app.spec', files: [...app, { path: 'myapp/big.bin', data: new Uint8Array(9 * 1024 * 1024) }] }, /too large|at most 8 MB/, 'INVALID_REQUEST');
    expect(await start({ spec: 'myapp/app.spec', files: app }, { image })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/firmware image or a file set/) } });
    expect(await call('rollouts.start', { profileId: 'lab', patterns: ['sim/b1'] })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/firmware image or a file set/) } });
    expect(await store.list()).toEqual([]);

    const started = (await start({ spec: 'myapp/app.spec', files: app })) as { ok: true; result: { id: string } };
    expect(started.ok).toBe(true);
    const saved = await store.load(started.result.id);
    const spec = (saved.def.what as { kind: string; spec: string }).spec;
    expect(saved.def.what.kind).toBe('files');
    expect(spec).toBe(path.join(store.dir, `${started.result.id}.files`, 'myapp', 'app.spec'));
    expect(fs.readFileSync(path.join(path.dirname(spec), 'lib', 'util.py'), 'utf8')).toBe('X = 1\n');
    expect(fs.readFileSync(path.join(path.dirname(spec), 'main_app.py'), 'utf8')).toBe('print(1)\n');
    // Its runner reads the stored spec and asks the (silent, fake) board for its files.
    await until(() => changes().some((r) => r.id === started.result.id && r.waves[0]![0]!.phase === 'updating'));
    expect(await call('rollouts.list', {})).toMatchObject({ ok: true, result: [{ id: started.result.id, kind: 'files', what: 'file set myapp/app.spec' }] });
    await call('rollouts.abort', { id: started.result.id });
  });

  it('starts a rollout the CLI sees, follows it with events, pauses it at `mqboard rollout pause`, and aborts it', async () => {
    const { call, store, changes, events } = await setup();
    const started = await call('rollouts.start', { profileId: 'lab', image, patterns: ['sim/*'], waves: '1,100%', stableS: 5 });
    expect(started).toMatchObject({ ok: true });
    const id = (started as { result: { id: string } }).result.id;
    // The CLI's view: the same file, the image kept beside it, locked by this process.
    const saved = await store.load(id);
    expect(saved.def).toMatchObject({ patterns: ['sim/*'], waves: [{ count: 1 }, { percent: 100 }], gate: { ...DEFAULT_GATE, stableS: 5 }, threshold: DEFAULT_THRESHOLD, concurrency: 4, what: { kind: 'firmware', version: 'v2.0.0' } });
    expect(Buffer.from(fs.readFileSync((saved.def.what as { file: string }).file)).equals(Buffer.from(IMAGE))).toBe(true);
    expect(await store.runningPid(id)).toBe(process.pid);
    await until(() => changes().some((r) => r.waves[0]![0]!.phase === 'updating'));
    for (const r of changes()) expect(validate(eventSchema('rollouts.changed'), { rollout: r }).ok).toBe(true);
    // The canary's upload is followed too (the fake board never answers: it stays at its start).
    await until(() => events.some(([e, d]) => e === 'rollouts.upload' && (d as { prefix: string }).prefix === 'sim/b1'));
    const upload = events.find(([e]) => e === 'rollouts.upload')![1];
    expect(upload).toMatchObject({ id, prefix: 'sim/b1', sent: 0, total: IMAGE.length });
    expect(validate(eventSchema('rollouts.upload'), upload).ok).toBe(true);
    expect(await call('rollouts.list', {})).toMatchObject({ ok: true, result: [{ id, status: 'running', runner: 'here', profileId: 'lab' }] });

    await store.request(id, 'pause'); // what `mqboard rollout pause` does while a process runs it
    await until(async () => (await store.load(id)).status === 'paused' && (await store.runningPid(id)) === undefined);
    expect((await store.load(id)).reason).toBe('paused by `mqboard rollout pause`');
    expect(changes().at(-1)).toMatchObject({ id, status: 'paused', runner: 'none' });
    expect(await call('rollouts.resume', { id, profileId: 'lab' })).toEqual({ ok: true, result: {} });
    await until(async () => (await store.load(id)).status === 'running');
    expect(await call('rollouts.abort', { id })).toEqual({ ok: true, result: {} });
    await until(async () => (await store.load(id)).status === 'aborted' && (await store.runningPid(id)) === undefined);
    expect(await call('rollouts.resume', { id, profileId: 'lab' })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/aborted/) } });
    expect(await call('rollouts.pause', { id })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/nothing to pause/) } });
  });

  it('pauses the rollouts it runs when the console closes, to be resumed later (here or by the CLI)', async () => {
    const { call, store, service } = await setup();
    const started = (await call('rollouts.start', { profileId: 'lab', image, patterns: ['sim/b1'] })) as { result: { id: string } };
    const id = started.result.id;
    await until(async () => Object.values((await store.load(id)).boards).some((b) => b.phase === 'updating'));
    await service.close();
    services = services.filter((s) => s !== service);
    expect(await store.load(id)).toMatchObject({ status: 'paused', reason: 'the console closed' });
    expect(await store.runningPid(id)).toBeUndefined();
  });

  it('refuses to resume a rollout another live process runs, and asks that process to pause it', async () => {
    const { call, store } = await setup();
    const r = createRollout({ id: '20261207T110000Z-00bb', createdAt: 1, patterns: ['sim/*'], waves: [{ percent: 100 }], gate: DEFAULT_GATE, threshold: DEFAULT_THRESHOLD, concurrency: 4, what: { kind: 'firmware', file: '/x/fw.bin', sha256: 'ab', size: 10, version: 'v2', project: 'p' } }, ['sim/b1'], 2);
    await store.save({ ...r, status: 'paused', reason: 'Ctrl-C' });
    const release = await store.lock(r.def.id, process.ppid);
    try {
      expect(await call('rollouts.list', {})).toMatchObject({ ok: true, result: [{ runner: 'other' }] });
      expect(await call('rollouts.resume', { id: r.def.id, profileId: 'lab' })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/is running in process/) } });
      expect(await call('rollouts.pause', { id: r.def.id })).toEqual({ ok: true, result: {} });
      expect(await store.takeRequest(r.def.id)).toBe('pause');
    } finally {
      await release();
    }
  });
});
