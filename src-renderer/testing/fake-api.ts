// An in-memory ConsoleApi: profiles, a fleet of any size, files, a toy REPL, logs and OTA, with
// latency. It lets the UI be developed and measured without main, a broker or boards (component
// work, the performance bench with 1,000 boards), and mirrors the contract's behaviour: params
// validated against the schemas, errors as ConsoleError with the engine's codes.
import { ConsoleError, contract } from '../../src-main/common/contract.js';
import type { ConsoleApi, EventName, EventOf, ParamsOf, ProfileView, RequestName, ResultOf } from '../../src-main/common/contract.js';
import { validateAppImage } from '../../src-main/common/firmware-image.js';
import { validate } from '../../src-main/common/schema.js';
import { churn, makeFleet } from './fake-fleet.js';
import type { FakeBoard } from './fake-fleet.js';
import { FAKE_BOARD_FILES, FakeFs } from './fake-fs.js';
import { LogGenerator } from './fake-logs.js';
import { advanceOta, cancelOta, otherPartition } from './fake-ota.js';
import type { FakeOtaJob } from './fake-ota.js';
import { FakeRepl } from './fake-repl.js';

export interface FakeApiOptions {
  /** Boards of the built-in demo broker (default 3). */
  boards?: number;
  /** Milliseconds every request takes (default 15). */
  latencyMs?: number;
  /** The demo broker starts connected (default false: the user connects). */
  connected?: boolean;
  /** How many of the demo boards log at `linesPerSecond` once subscribed (default all). */
  loggingBoards?: number;
  linesPerSecond?: number;
  /** Status updates per second across the fleet (default 5). */
  churnPerSecond?: number;
  /** OTA upload speed per board in bytes/s (default 256 KB/s). */
  otaRate?: number;
}

interface FakeProfile {
  view: ProfileView;
  password?: string;
  boards: Map<string, FakeBoard>;
  fs: Map<string, FakeFs>;
  logs: Map<string, LogGenerator>;
}

type Handlers = { [K in RequestName]: (p: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>> };

const TICK_MS = 100;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
function fail(code: ConstructorParameters<typeof ConsoleError>[0], msg: string): never {
  throw new ConsoleError(code, msg);
}
const enc = new TextEncoder();
const dec = new TextDecoder();

async function sha256(data: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', data.slice().buffer as ArrayBuffer));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class FakeConsoleApi implements ConsoleApi {
  readonly mode = 'web' as const;
  readonly connection = 'open' as const;
  readonly profiles = new Map<string, FakeProfile>();
  private listeners = new Map<string, Set<(d: never) => void>>();
  private sessions = new Map<string, FakeRepl>();
  private subscribed = new Set<string>();
  private jobs = new Map<string, FakeOtaJob>();
  private ids = 0;
  private timer: ReturnType<typeof setInterval>;
  private churnCursor = 0;
  private readonly opts: Required<FakeApiOptions>;

  constructor(opts: FakeApiOptions = {}) {
    const n = opts.boards ?? 3;
    this.opts = { boards: n, latencyMs: 15, connected: false, loggingBoards: n, linesPerSecond: 1, churnPerSecond: 5, otaRate: 256 * 1024, ...opts };
    this.addProfile({ id: 'demo', name: 'Demo fleet', url: 'mqtt://127.0.0.1:1883', builtin: true, state: this.opts.connected ? 'online' : 'offline' }, n);
    this.addProfile({ id: 'lab', name: 'Lab broker', url: 'mqtts://lab.example.net:8883', username: 'ops', builtin: false, state: 'offline' }, 2, 'lab');
    this.profiles.get('lab')!.password = 'secret';
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private addProfile(p: Partial<ProfileView> & Pick<ProfileView, 'id' | 'name' | 'url' | 'builtin' | 'state'>, boards: number, root?: string): void {
    const now = Date.now();
    const fleet = makeFleet(boards, now);
    if (root) {
      for (const b of [...fleet.values()]) {
        fleet.delete(b.view.prefix);
        b.view.prefix = b.view.prefix.replace(/^sim\//, `${root}/`);
        fleet.set(b.view.prefix, b);
      }
    }
    const fs = new Map<string, FakeFs>();
    const logs = new Map<string, LogGenerator>();
    let i = 0;
    for (const prefix of fleet.keys()) logs.set(prefix, new LogGenerator(i++));
    for (const prefix of fleet.keys()) fs.set(prefix, new FakeFs(FAKE_BOARD_FILES));
    this.profiles.set(p.id, { view: { hasPassword: false, insecure: false, discovery: ['+/mqb/status', '+/+/mqb/status'], ...p }, boards: fleet, fs, logs });
  }

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

  close(): void {
    clearInterval(this.timer);
    for (const r of this.sessions.values()) r.close();
  }

  emit<E extends EventName>(event: E, data: EventOf<E>): void {
    for (const l of this.listeners.get(event) ?? []) (l as (d: EventOf<E>) => void)(data);
  }

  // ---- helpers ----
  private profile(id: string): FakeProfile {
    return this.profiles.get(id) ?? fail('USAGE', `no profile "${id}"`);
  }

  private online(id: string): FakeProfile {
    const p = this.profile(id);
    if (p.view.state !== 'online') fail('BROKER_DOWN', `not connected to ${p.view.name}`);
    return p;
  }

  private board(profileId: string, prefix: string): { p: FakeProfile; b: FakeBoard; fs: FakeFs } {
    const p = this.online(profileId);
    const b = p.boards.get(prefix) ?? fail('NO_BOARD', `no board "${prefix}" on ${p.view.name}`);
    if (!b.view.online) fail('OFFLINE', `${prefix} is offline`);
    return { p, b, fs: p.fs.get(prefix)! };
  }

  private setState(p: FakeProfile, state: ProfileView['state'], error?: string): void {
    p.view = { ...p.view, state, error };
    this.emit('profiles.state', { id: p.view.id, state, ...(error ? { error } : {}) });
  }

  /** Changes a board and tells the UI (also used by tests and the bench). */
  updateBoard(profileId: string, prefix: string, patch: Partial<FakeBoard['view']>): void {
    const b = this.profile(profileId).boards.get(prefix);
    if (!b) return;
    b.view = { ...b.view, ...patch, lastSeen: Date.now() };
    this.emit('fleet.changed', { profileId, upserts: [b.view], removed: [] });
  }

  /** The board resets: offline for a moment, then back with `after` applied. */
  private reboot(profileId: string, prefix: string, after: () => Partial<FakeBoard['view']>): void {
    this.updateBoard(profileId, prefix, { online: false });
    setTimeout(() => this.updateBoard(profileId, prefix, { online: true, uptime: 0, resetCause: 'software', ...after() }), 800);
  }

  private tick(): void {
    const now = Date.now();
    for (const p of this.profiles.values()) {
      if (p.view.state !== 'online') continue;
      const boards = [...p.boards.values()];
      const n = Math.min(boards.length, Math.round((this.opts.churnPerSecond * TICK_MS) / 1000) || (Math.random() < (this.opts.churnPerSecond * TICK_MS) / 1000 ? 1 : 0));
      const upserts = [];
      for (let i = 0; i < n; i++) {
        const b = boards[this.churnCursor++ % boards.length]!;
        if (b.view.online) upserts.push(churn(b, now));
      }
      if (upserts.length) this.emit('fleet.changed', { profileId: p.view.id, upserts, removed: [] });
    }
    this.emitLogs(now);
    for (const job of this.jobs.values()) for (const ev of advanceOta(job, TICK_MS / 1000, this.opts.otaRate, (t) => this.otaDone(job, t.prefix))) this.emit('ota.progress', ev);
  }

  private logCarry = new Map<string, number>();
  private emitLogs(now: number): void {
    let i = 0;
    for (const key of this.subscribed) {
      const [profileId, prefix] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      const p = this.profiles.get(profileId);
      const gen = p?.logs.get(prefix);
      if (!p || !gen || p.view.state !== 'online' || !p.boards.get(prefix)?.view.online) continue;
      const rate = i++ < this.opts.loggingBoards ? this.opts.linesPerSecond : 0.2;
      const due = (this.logCarry.get(key) ?? 0) + (rate * TICK_MS) / 1000;
      const count = Math.floor(due);
      this.logCarry.set(key, due - count);
      if (count === 0) continue;
      const lines = [];
      for (let k = 0; k < count; k++) lines.push(gen.next(now));
      this.emit('logs.lines', { profileId, prefix, lines });
    }
  }

  private otaDone(job: FakeOtaJob, prefix: string): void {
    const t = job.targets.find((x) => x.prefix === prefix)!;
    const profileId = [...this.profiles.values()].find((p) => p.boards.get(prefix) === t.board)!.view.id;
    t.board.previousFw = t.board.view.fw;
    if (job.reset) this.reboot(profileId, prefix, () => ({ fw: job.version, partition: otherPartition(t.board.view.partition), pendingVerify: true }));
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
    'fleet.snapshot': ({ profileId }) => [...this.online(profileId).boards.values()].map((b) => b.view),
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
    'board.download': async ({ profileId, prefix, path }) => {
      const data = this.board(profileId, prefix).fs.read(path);
      return { name: path.slice(path.lastIndexOf('/') + 1), data, sha256: await sha256(data) };
    },
    'board.upload': async ({ profileId, prefix, path, file }) => {
      if (file.kind !== 'bytes') fail('NOT_AVAILABLE', 'the fake console takes bytes only');
      const { fs } = this.board(profileId, prefix);
      await sleep(Math.min(2000, file.data.length / 100));
      fs.write(path, file.data);
      return { size: file.data.length, sha256: await sha256(file.data) };
    },
    'board.reset': ({ profileId, prefix, mode }) => {
      const { fs } = this.board(profileId, prefix);
      const fixed = () => !dec.decode(fs.files.get('/src/faulty.py')?.data ?? new Uint8Array()).includes('raise');
      this.reboot(profileId, prefix, () =>
        mode === 'safe' ? { safeMode: true, safeReason: 'requested by the console' } : fixed() ? { safeMode: false, safeReason: '' } : { safeMode: true, safeReason: 'module faulty failed to start (3 failed boots)' },
      );
      return {};
    },
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
      this.board(profileId, prefix);
      this.subscribed.add(`${profileId}/${prefix}`);
      return this.profile(profileId).logs.get(prefix)!.backlog(50, Date.now());
    },
    'logs.unsubscribe': ({ profileId, prefix }) => (this.subscribed.delete(`${profileId}/${prefix}`), {}),
    'logs.export': ({ profileId, prefix }) => ({ text: this.profile(profileId).logs.get(prefix)?.backlog(20, Date.now()).map((l) => `${l.level} ${l.time} ${l.logger}: ${l.text}`).join('\n') ?? '' }),
    'ota.inspect': async ({ image }) => {
      if (image.kind !== 'bytes') fail('NOT_AVAILABLE', 'the fake console takes bytes only');
      const v = validateAppImage(image.data);
      const desc = v.info.appDesc;
      return { name: image.name, project: desc?.projectName ?? '', version: desc?.version ?? '', size: image.data.length, sha256: await sha256(image.data), ...(v.ok ? {} : { error: v.error }) };
    },
    'ota.start': ({ image, targets, reset }) => {
      if (image.kind !== 'bytes') fail('NOT_AVAILABLE', 'the fake console takes bytes only');
      const v = validateAppImage(image.data);
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
  };

  private repl(sessionId: string): FakeRepl {
    return this.sessions.get(sessionId) ?? fail('USAGE', `no session ${sessionId}`);
  }
}

export function createFakeApi(opts: FakeApiOptions = {}): FakeConsoleApi {
  return new FakeConsoleApi(opts);
}
