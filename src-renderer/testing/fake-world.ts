// The state behind the fake console: profiles with their boards, files and log generators, REPL
// sessions, OTA jobs, and the clock that makes the fleet live (status churn, log lines, upload
// progress). FakeConsoleApi (fake-api.ts) puts the ConsoleApi in front of it.
import { ConsoleError } from '../../src-main/common/contract.js';
import type { EventName, EventOf, ProfileView } from '../../src-main/common/contract.js';
import { churn, makeFleet } from './fake-fleet.js';
import type { FakeBoard } from './fake-fleet.js';
import { FAKE_BOARD_FILES, FakeFs } from './fake-fs.js';
import { LogGenerator } from './fake-logs.js';
import { advanceOta, otherPartition } from './fake-ota.js';
import type { FakeOtaJob } from './fake-ota.js';
import type { FakeRepl } from './fake-repl.js';
import { advanceTransfer } from './fake-transfers.js';
import type { FakeTransfer } from './fake-transfers.js';
import { advanceCycle, FakeWakeQueue, sleepView } from './fake-wake.js';
import type { labelOf } from './fake-wake.js';

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
  /** File upload and download speed in bytes/s (default 256 KB/s). */
  transferRate?: number;
  /** Battery boards added to the demo broker (sim/bat-01, ...), asleep at the start (default 0). */
  sleepy?: number;
  /** Their cycle: seconds asleep (default 8) and awake (default 4). */
  sleepSeconds?: number;
  awakeSeconds?: number;
}

export interface FakeProfile {
  view: ProfileView;
  password?: string;
  boards: Map<string, FakeBoard>;
  fs: Map<string, FakeFs>;
  logs: Map<string, LogGenerator>;
}

const TICK_MS = 100;

export function fail(code: ConstructorParameters<typeof ConsoleError>[0], msg: string): never {
  throw new ConsoleError(code, msg);
}

export class FakeWorld {
  readonly profiles = new Map<string, FakeProfile>();
  protected listeners = new Map<string, Set<(d: never) => void>>();
  protected sessions = new Map<string, FakeRepl>();
  protected subscribed = new Set<string>();
  protected jobs = new Map<string, FakeOtaJob>();
  protected transfers = new Map<string, FakeTransfer>();
  protected ids = 0;
  protected readonly wakeQueue = new FakeWakeQueue((e, d) => this.emit(e, d));
  private timer: ReturnType<typeof setInterval>;
  private churnCursor = 0;
  protected readonly opts: Required<FakeApiOptions>;

  constructor(opts: FakeApiOptions = {}) {
    const n = opts.boards ?? 3;
    this.opts = { boards: n, latencyMs: 15, connected: false, loggingBoards: n, linesPerSecond: 1, churnPerSecond: 5, otaRate: 256 * 1024, sleepy: 0, sleepSeconds: 8, awakeSeconds: 4, ...opts, transferRate: opts.transferRate ?? 256 * 1024 };
    this.addProfile({ id: 'demo', name: 'Demo fleet', url: 'mqtt://127.0.0.1:1883', builtin: true, state: this.opts.connected ? 'online' : 'offline' }, n);
    this.addBatteryBoards(this.profiles.get('demo')!, this.opts.sleepy);
    this.addProfile({ id: 'lab', name: 'Lab broker', url: 'mqtts://lab.example.net:8883', username: 'ops', builtin: false, state: 'offline' }, 2, 'lab');
    this.profiles.get('lab')!.password = 'secret';
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  protected addProfile(p: Partial<ProfileView> & Pick<ProfileView, 'id' | 'name' | 'url' | 'builtin' | 'state'>, boards: number, root?: string): void {
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

  private addBatteryBoards(p: FakeProfile, count: number): void {
    const now = Date.now();
    const template = [...p.boards.values()][0];
    for (let i = 1; i <= count && template; i++) {
      const prefix = `sim/bat-${String(i).padStart(2, '0')}`;
      const cycle = { period: this.opts.sleepSeconds, awake: this.opts.awakeSeconds, next: now + this.opts.sleepSeconds * 1000, hold: 0 };
      const view = sleepView({ ...template.view, prefix, caps: [...template.view.caps, 'awake'], safeMode: false, safeReason: '', crashes: 0, modules: {}, resetCause: 'deepsleep' }, true, cycle, now);
      p.boards.set(prefix, { view, crashes: [], previousFw: template.previousFw, cycle });
      p.fs.set(prefix, new FakeFs(FAKE_BOARD_FILES));
      p.logs.set(prefix, new LogGenerator(p.logs.size));
    }
  }

  /** A queued command runs on the woken board; its output, if any. */
  protected runQueued(profileId: string, prefix: string, c: Parameters<typeof labelOf>[0]): string | undefined {
    const b = this.profile(profileId).boards.get(prefix);
    if (!b) throw new ConsoleError('NO_BOARD', `no board "${prefix}"`);
    if (c.kind === 'eval') return `${c.source}\n`;
    if (c.kind === 'awake') {
      if (b.cycle) b.cycle.hold = Date.now() + c.seconds * 1000;
    } else if (c.kind === 'reset') this.updateBoard(profileId, prefix, { uptime: 0, resetCause: 'software' });
    else {
      b.crashes = [];
      this.updateBoard(profileId, prefix, { crashes: 0 });
    }
    return undefined;
  }

  protected profile(id: string): FakeProfile {
    return this.profiles.get(id) ?? fail('USAGE', `no profile "${id}"`);
  }

  protected online(id: string): FakeProfile {
    const p = this.profile(id);
    if (p.view.state !== 'online') fail('BROKER_DOWN', `not connected to ${p.view.name}`);
    return p;
  }

  protected board(profileId: string, prefix: string): { p: FakeProfile; b: FakeBoard; fs: FakeFs } {
    const p = this.online(profileId);
    const b = p.boards.get(prefix) ?? fail('NO_BOARD', `no board "${prefix}" on ${p.view.name}`);
    if (!b.view.online) fail('OFFLINE', `${prefix} is offline`);
    return { p, b, fs: p.fs.get(prefix)! };
  }

  protected setState(p: FakeProfile, state: ProfileView['state'], error?: string): void {
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
  protected reboot(profileId: string, prefix: string, after: () => Partial<FakeBoard['view']>): void {
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
      for (const b of boards) {
        const turned = advanceCycle(b, now);
        if (turned) upserts.push(b.view);
        if (turned === 'woke') queueMicrotask(() => this.wakeQueue.wake(p.view.id, b.view.prefix, (c) => this.runQueued(p.view.id, b.view.prefix, c)));
      }
      for (let i = 0; i < n; i++) {
        const b = boards[this.churnCursor++ % boards.length]!;
        if (b.view.online) upserts.push(churn(b, now));
      }
      if (upserts.length) this.emit('fleet.changed', { profileId: p.view.id, upserts, removed: [] });
    }
    this.emitLogs(now);
    for (const job of this.jobs.values()) for (const ev of advanceOta(job, TICK_MS / 1000, this.opts.otaRate, (t) => this.otaDone(job, t.prefix))) this.emit('ota.progress', ev);
    for (const t of this.transfers.values()) {
      const ev = advanceTransfer(t, TICK_MS / 1000, this.opts.transferRate);
      if (!ev) continue;
      this.emit('transfer.progress', ev);
      // A finished download waits for transfer.take (which forgets it); an upload is over.
      if (ev.phase === 'done' && t.direction === 'upload') this.transfers.delete(t.transferId);
    }
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
      for (let k = 0; k < count; k++) lines.push(gen.live(now));
      this.emit('logs.lines', { profileId, prefix, lines });
    }
  }

  private otaDone(job: FakeOtaJob, prefix: string): void {
    const t = job.targets.find((x) => x.prefix === prefix)!;
    const profileId = [...this.profiles.values()].find((p) => p.boards.get(prefix) === t.board)!.view.id;
    t.board.previousFw = t.board.view.fw;
    if (job.reset) this.reboot(profileId, prefix, () => ({ fw: job.version, partition: otherPartition(t.board.view.partition), pendingVerify: true }));
  }

  close(): void {
    clearInterval(this.timer);
    for (const r of this.sessions.values()) r.close();
  }

  protected repl(sessionId: string): FakeRepl {
    return this.sessions.get(sessionId) ?? fail('USAGE', `no session ${sessionId}`);
  }

  emit<E extends EventName>(event: E, data: EventOf<E>): void {
    for (const l of this.listeners.get(event) ?? []) (l as (d: EventOf<E>) => void)(data);
  }
}
