// An in-memory ConsoleApi: profiles, a fleet of any size, files, a toy REPL, logs and OTA, with
// latency. It lets the UI be developed and measured without main, a broker or boards (component
// work, the performance bench with 1,000 boards), and mirrors the contract's behaviour: params
// validated against the schemas, errors as ConsoleError with the engine's codes.
import { ConsoleError, contract, FLEET_PAGE_SIZE } from '../../src-main/common/contract.js';
import type { ConsoleApi, EventName, EventOf, ParamsOf, RequestName, ResultOf } from '../../src-main/common/contract.js';
import { validateAppImage } from '../../src-main/common/firmware-image.js';
import { validate } from '../../src-main/common/schema.js';
import { cancelOta, otherPartition } from './fake-ota.js';
import type { FakeFs } from './fake-fs.js';
import { FakeRepl } from './fake-repl.js';
import { cancelFakeTransfer } from './fake-transfers.js';
import { FakeWorld, fail } from './fake-world.js';
import type { FakeApiOptions } from './fake-world.js';

export type { FakeApiOptions } from './fake-world.js';

type Handlers = { [K in RequestName]: (p: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>> };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const enc = new TextEncoder();
const dec = new TextDecoder();
/** Apps are not started in safe mode. */
const NO_APPS: Record<string, string> = {};

async function sha256(data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data.slice().buffer as ArrayBuffer));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class FakeConsoleApi extends FakeWorld implements ConsoleApi {
  readonly mode = 'web' as const;
  readonly connection = 'open' as const;

  // ---- ConsoleApi ----
  async request<K extends RequestName>(op: K, params: ParamsOf<K>): Promise<ResultOf<K>> {
    const check = validate(contract.requests[op].params, params);
    if (!check.ok) throw new ConsoleError('INVALID_REQUEST', check.error);
    await sleep(this.opts.latencyMs);
    const h = this.handlers[op] as (p: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>>;
    return h(params);
  }

  on<E extends EventName>(event: E, listener: (data: EventOf<E>) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (d: never) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (d: never) => void);
  }

  onConnection(): () => void {
    return () => undefined;
  }

  private readonly handlers: Handlers = {
    'app.info': () => ({ mode: 'web', version: '0.1.0-fake', demo: true, demoProfileId: 'demo' }),
    'profiles.list': () => [...this.profiles.values()].map((p) => p.view),
    'profiles.save': (input) => {
      const existing = input.id ? this.profiles.get(input.id) : undefined;
      if (existing?.view.builtin) fail('USAGE', 'the demo profile cannot be edited');
      const id = input.id ?? `p${++this.ids}`;
      const { password, ...rest } = input;
      if (!existing) this.addProfile({ ...rest, id, builtin: false, state: 'offline' }, 2, id);
      const p = this.profile(id);
      p.view = { ...p.view, ...rest, id, insecure: input.insecure ?? false, discovery: input.discovery ?? p.view.discovery };
      if (password !== undefined) p.password = password || undefined;
      p.view.hasPassword = !!p.password;
      return p.view;
    },
    'profiles.remove': ({ id }) => {
      if (this.profile(id).view.builtin) fail('USAGE', 'the demo profile cannot be removed');
      this.profiles.delete(id);
      return {};
    },
    'profiles.connect': async ({ id }) => {
      const p = this.profile(id);
      this.setState(p, 'connecting');
      await sleep(150);
      if (/unreachable|invalid/.test(p.view.url)) {
        const msg = `cannot reach ${p.view.url}: connection refused`;
        this.setState(p, 'error', msg);
        fail('BROKER_DOWN', msg);
      }
      this.setState(p, 'online');
      return {};
    },
    'profiles.disconnect': ({ id }) => (this.setState(this.profile(id), 'offline'), {}),
    'fleet.snapshot': ({ profileId, after }) => {
      const all = [...this.online(profileId).boards.values()].map((b) => b.view).sort((a, b) => a.prefix.localeCompare(b.prefix));
      const from = after === undefined ? 0 : all.findIndex((b) => b.prefix.localeCompare(after) > 0);
      return from < 0 ? [] : all.slice(from, from + FLEET_PAGE_SIZE);
    },
    'board.eval': ({ profileId, prefix, source }) => (this.board(profileId, prefix), { output: `${source}\n` }),
    'board.ls': ({ profileId, prefix, path }) => this.board(profileId, prefix).fs.ls(path),
    'board.mkdir': ({ profileId, prefix, path }) => (this.board(profileId, prefix).fs.mkdir(path), {}),
    'board.rm': ({ profileId, prefix, path }) => (this.board(profileId, prefix).fs.rm(path), {}),
    'board.rmdir': ({ profileId, prefix, path, recursive }) => (this.board(profileId, prefix).fs.rmdir(path, !!recursive), {}),
    'board.mv': ({ profileId, prefix, from, to }) => (this.board(profileId, prefix).fs.mv(from, to), {}),
    'board.readText': async ({ profileId, prefix, path }) => {
      const data = this.board(profileId, prefix).fs.read(path);
      return { text: dec.decode(data), sha256: await sha256(data) };
    },
    'board.writeText': async ({ profileId, prefix, path, text }) => {
      const data = enc.encode(text);
      this.board(profileId, prefix).fs.write(path, data);
      return { size: data.length, sha256: await sha256(data) };
    },
    'board.download': ({ profileId, prefix, path }) => this.startTransfer(prefix, path, 'download', this.board(profileId, prefix).fs, this.board(profileId, prefix).fs.read(path)),
    'board.upload': ({ profileId, prefix, path, file }) => {
      if (file.kind !== 'bytes') fail('NOT_AVAILABLE', 'the fake console takes bytes only');
      const { transferId } = this.startTransfer(prefix, path, 'upload', this.board(profileId, prefix).fs, file.data);
      return { transferId, total: file.data.length };
    },
    'transfer.take': async ({ transferId }) => {
      const t = this.transfers.get(transferId);
      if (!t || t.direction !== 'download' || t.phase !== 'done') fail('USAGE', `no finished download ${transferId}`);
      this.transfers.delete(transferId);
      return { name: t.path.slice(t.path.lastIndexOf('/') + 1), data: t.data, sha256: await sha256(t.data) };
    },
    'transfer.cancel': ({ transferId }) => {
      const t = this.transfers.get(transferId) ?? fail('USAGE', `no transfer ${transferId} (it ended, or was not started here)`);
      const ev = cancelFakeTransfer(t) ?? fail('USAGE', `transfer ${transferId} has already finished`);
      this.transfers.delete(transferId);
      this.emit('transfer.progress', ev);
      return {};
    },
    'board.reset': ({ profileId, prefix, mode }) => {
      const { fs } = this.board(profileId, prefix);
      const fixed = () => !dec.decode(fs.files.get('/src/faulty.py')?.data ?? new Uint8Array()).includes('raise');
      this.reboot(profileId, prefix, () =>
        mode === 'safe'
          ? { safeMode: true, safeReason: 'requested by the console', modules: NO_APPS }
          : fixed()
            ? { safeMode: false, safeReason: '', modules: { blinky: '1.0.0', faulty: /__version__ = "([^"]*)"/.exec(dec.decode(fs.read('/src/faulty.py')))?.[1] ?? '?' } }
            : { safeMode: true, safeReason: 'module faulty failed to start (3 failed boots)', modules: NO_APPS },
      );
      return {};
    },
    'board.stayAwake': ({ profileId, prefix, seconds }) => {
      const b = this.online(profileId).boards.get(prefix) ?? fail('NO_BOARD', `no board "${prefix}"`);
      if (!b.cycle) fail('UNSUPPORTED', `${prefix} does not sleep (no "awake" in its caps)`);
      if (b.view.online) return (this.runQueued(profileId, prefix, { kind: 'awake', seconds }), {});
      return { queueId: this.wakeQueue.add(profileId, prefix, { kind: 'awake', seconds }) };
    },
    'queue.add': ({ profileId, prefix, command }) => {
      const b = this.online(profileId).boards.get(prefix) ?? fail('NO_BOARD', `no board "${prefix}"`);
      const queueId = this.wakeQueue.add(profileId, prefix, command);
      // Online: it runs at once (as main's queue does), the result still comes as an event.
      if (b.view.online) queueMicrotask(() => this.wakeQueue.wake(profileId, prefix, (c) => this.runQueued(profileId, prefix, c)));
      return { queueId };
    },
    'queue.cancel': ({ queueId }) => (this.wakeQueue.cancel(queueId) || fail('USAGE', `no queued command ${queueId} (it ran already, or was not queued here)`), {}),
    'queue.list': ({ profileId }) => this.wakeQueue.list(profileId),
    'board.crashlog': ({ profileId, prefix, clear }) => {
      const { b } = this.board(profileId, prefix);
      if (clear) {
        b.crashes = [];
        this.updateBoard(profileId, prefix, { crashes: 0 });
      }
      return b.crashes;
    },
    'tty.open': ({ profileId, prefix }) => {
      this.board(profileId, prefix);
      const sessionId = `s${++this.ids}`;
      this.sessions.set(sessionId, new FakeRepl((kind, text) => this.emit('tty.output', { sessionId, kind, text })));
      return { sessionId };
    },
    'tty.input': ({ sessionId, text }) => (this.repl(sessionId).input(text), {}),
    'tty.interrupt': ({ sessionId }) => (this.repl(sessionId).interrupt(), {}),
    'tty.complete': ({ sessionId, line }) => this.repl(sessionId).complete(line),
    'tty.close': ({ sessionId }) => {
      this.sessions.get(sessionId)?.close();
      this.sessions.delete(sessionId);
      return {};
    },
    'logs.subscribe': ({ profileId, prefix }) => {
      // As the engine: an offline board's history is shown too (only an unknown board fails).
      const p = this.online(profileId);
      const gen = p.logs.get(prefix) ?? fail('NO_BOARD', `no board "${prefix}" on ${p.view.name}`);
      this.subscribed.add(`${profileId}/${prefix}`);
      return gen.history();
    },
    'logs.unsubscribe': ({ profileId, prefix }) => (this.subscribed.delete(`${profileId}/${prefix}`), {}),
    'logs.export': ({ profileId, prefix }) => ({ text: this.profile(profileId).logs.get(prefix)?.history().map((l) => `${l.level} ${l.time} ${l.logger}: ${l.text}`).join('\n') ?? '' }),
    'ota.inspect': async ({ image }) => {
      if (image.kind !== 'bytes') fail('NOT_AVAILABLE', 'the fake console takes bytes only');
      const v = validateAppImage(image.data, { partitionSize: null });
      const desc = v.info.appDesc;
      return { name: image.name, project: desc?.projectName ?? '', version: desc?.version ?? '', size: image.data.length, sha256: await sha256(image.data), ...(v.ok ? {} : { error: v.error }) };
    },
    'ota.start': ({ image, targets, reset }) => {
      if (image.kind !== 'bytes') fail('NOT_AVAILABLE', 'the fake console takes bytes only');
      const v = validateAppImage(image.data, { partitionSize: null });
      if (!v.ok) fail('USAGE', `not a valid firmware image: ${v.error}`);
      const jobId = `j${++this.ids}`;
      const ts = targets.map((t) => ({ prefix: t.prefix, board: this.board(t.profileId, t.prefix).b, sent: 0, phase: 'queued' as const }));
      this.jobs.set(jobId, { jobId, size: image.data.length, version: v.ok ? (v.info.appDesc?.version ?? '') : '', reset, targets: ts });
      return { jobId };
    },
    'ota.cancel': ({ jobId }) => {
      const job = this.jobs.get(jobId) ?? fail('USAGE', `no job ${jobId}`);
      for (const ev of cancelOta(job)) this.emit('ota.progress', ev);
      return {};
    },
    'ota.confirm': ({ profileId, prefix }) => (this.board(profileId, prefix), this.updateBoard(profileId, prefix, { pendingVerify: false }), {}),
    'ota.rollback': ({ profileId, prefix }) => {
      const { b } = this.board(profileId, prefix);
      this.reboot(profileId, prefix, () => ({ fw: b.previousFw, partition: otherPartition(b.view.partition), pendingVerify: false }));
      return {};
    },
    'dialog.openFile': () => fail('NOT_AVAILABLE', 'no native dialog in the web mode'),
    // Rollouts need the real engine (health gates on real boards): the fake console has none.
    'rollouts.list': () => [],
    'rollouts.get': ({ id }) => fail('USAGE', `no rollout "${id}"`),
    'rollouts.start': () => fail('NOT_AVAILABLE', 'rollouts run on the real console only (npm run web)'),
    'rollouts.pause': ({ id }) => fail('USAGE', `no rollout "${id}"`),
    'rollouts.resume': ({ id }) => fail('USAGE', `no rollout "${id}"`),
    'rollouts.abort': ({ id }) => fail('USAGE', `no rollout "${id}"`),
    'rollouts.retryFailed': ({ id }) => fail('USAGE', `no rollout "${id}"`),
  };

  private startTransfer(prefix: string, path: string, direction: 'upload' | 'download', fs: FakeFs, data: Uint8Array): { transferId: string } {
    const transferId = `t${++this.ids}`;
    this.transfers.set(transferId, { transferId, prefix, path, direction, fs, data, sent: 0, phase: 'starting' });
    return { transferId };
  }
}

export function createFakeApi(opts: FakeApiOptions = {}): FakeConsoleApi {
  return new FakeConsoleApi(opts);
}
