// Commands for battery boards that are asleep: kept by the console (not left to the broker's
// persistent session, which can neither list nor cancel them, and whose replies nobody would wait
// for), listed and cancellable until the wake, then run in order at the board's next online status.
// The wake first gets an `awake` request long enough for the queued work (boards with the cap), so
// the board does not fall asleep between two of them; once the queue is drained the request is
// released, unless someone asked the board to stay awake (stayAwake). Each job's promise settles
// with its own result: the caller that queued it gets it.
import { EventEmitter } from 'node:events';
import { isSleeping } from '../common/board-state.js';
import { MqbError } from '../common/errors.js';
import type { BoardClient } from './board-client.js';
import type { Engine } from './engine.js';
import type { BoardEntry, FleetRegistry } from './fleet-registry.js';
import { canStayAwake, MAX_AWAKE_S, requestAwake } from './keep-awake.js';

export interface WakeJobInfo {
  id: string;
  profileId: string;
  prefix: string;
  /** What the job does, for people ("eval", "reset normal", "upload /main.py"). */
  label: string;
  /** Who queued it (a UI client id, or nothing for the CLI). */
  owner?: string;
  queuedAt: number;
  /** Running now (the board woke), or still waiting. */
  running: boolean;
}

export interface WakeJobOptions {
  label: string;
  /** The job's id (default: one of the queue's); the UI's queue ids come from main. */
  id?: string;
  owner?: string;
  /** Seconds of awake this job needs (default 30). */
  awakeSeconds?: number;
  /** Gives up (TIMEOUT) when the board has not woken by then. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What the queue needs of the engine. */
export interface WakeHost {
  registry(profileId: string): FleetRegistry;
  board(profileId: string, prefix: string): BoardClient;
}

export interface WakeQueueEvents {
  changed: [{ profileId: string; prefix: string; jobs: WakeJobInfo[] }];
}

interface Job {
  info: WakeJobInfo;
  awakeSeconds: number;
  run: (client: BoardClient) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

interface BoardQueue {
  profileId: string;
  prefix: string;
  jobs: Job[];
  draining: boolean;
  unwatch: () => void;
}

export const DEFAULT_JOB_AWAKE_S = 30;
const key = (profileId: string, prefix: string) => `${profileId}\n${prefix}`;

export class WakeQueue extends EventEmitter<WakeQueueEvents> {
  private readonly queues = new Map<string, BoardQueue>();
  /** Until when someone asked each board to stay awake (ms): the drain does not release those. */
  private readonly holds = new Map<string, number>();
  private ids = 0;

  constructor(
    private readonly host: WakeHost,
    private readonly clock: () => number = Date.now,
  ) {
    super();
  }

  /**
   * Runs `fn` with the board's client: now if the board is online (and nothing is queued before
   * it), at its next wake if it is asleep or overdue. Other states fail as openBoard would.
   */
  run<T>(profileId: string, prefix: string, opts: WakeJobOptions, fn: (client: BoardClient) => Promise<T>): Promise<T> {
    const registry = this.host.registry(profileId);
    const entry = registry.get(prefix);
    const q = this.queues.get(key(profileId, prefix));
    if (!entry?.status) return Promise.reject(new MqbError('NO_BOARD', `no board "${prefix}"`, { board: prefix }));
    if (entry.state.state === 'online' && !q) return fn(this.host.board(profileId, prefix));
    if (entry.state.state === 'offline') return Promise.reject(new MqbError('OFFLINE', `${prefix} is offline`, { board: prefix }));
    return this.enqueue(profileId, prefix, opts, fn as (c: BoardClient) => Promise<unknown>) as Promise<T>;
  }

  list(profileId?: string, prefix?: string): WakeJobInfo[] {
    const out: WakeJobInfo[] = [];
    for (const q of this.queues.values()) {
      if ((profileId === undefined || q.profileId === profileId) && (prefix === undefined || q.prefix === prefix)) out.push(...q.jobs.map((j) => ({ ...j.info })));
    }
    return out;
  }

  /** Cancels a job that has not started; false when there is no such waiting job (`owner`: only that one's). */
  cancel(id: string, owner?: string): boolean {
    for (const q of this.queues.values()) {
      const job = q.jobs.find((j) => j.info.id === id && !j.info.running && (owner === undefined || j.info.owner === owner));
      if (job) {
        this.drop(q, job, new MqbError('CANCELLED', `${job.info.label} on ${q.prefix} was cancelled before the board woke`, { board: q.prefix }));
        return true;
      }
    }
    return false;
  }

  /** Every waiting job of `owner` (a UI client that went away) is cancelled. */
  cancelOwner(owner: string, why: string): void {
    for (const q of [...this.queues.values()]) {
      for (const j of [...q.jobs]) if (j.info.owner === owner && !j.info.running) this.drop(q, j, new MqbError('CANCELLED', why, { board: q.prefix }));
    }
  }

  /** Asks the board to stay awake for `seconds` (now, or at its next wake); the queue will not release it early. */
  async stayAwake(profileId: string, prefix: string, seconds: number, opts: Omit<WakeJobOptions, 'label' | 'awakeSeconds'> = {}): Promise<void> {
    await this.run(profileId, prefix, { ...opts, label: `stay awake ${Math.round(seconds)} s`, awakeSeconds: 0 }, async (client) => {
      if (!canStayAwake(client)) throw new MqbError('UNSUPPORTED', `${prefix} does not sleep (no "awake" in its caps)`, { board: prefix });
      await requestAwake(client, seconds);
      const k = key(profileId, prefix);
      if (seconds > 0) this.holds.set(k, this.clock() + Math.min(seconds, MAX_AWAKE_S) * 1000);
      else this.holds.delete(k);
    });
  }

  close(why = 'the console is closing'): void {
    for (const q of [...this.queues.values()]) for (const j of [...q.jobs]) if (!j.info.running) this.drop(q, j, new MqbError('CANCELLED', why, { board: q.prefix }));
  }

  private enqueue(profileId: string, prefix: string, opts: WakeJobOptions, fn: (c: BoardClient) => Promise<unknown>): Promise<unknown> {
    const k = key(profileId, prefix);
    let q = this.queues.get(k);
    if (!q) {
      const registry = this.host.registry(profileId);
      const onChange = (e: BoardEntry) => {
        if (e.prefix === prefix && e.state.state === 'online') void this.drain(q!);
      };
      registry.on('board-changed', onChange);
      q = { profileId, prefix, jobs: [], draining: false, unwatch: () => registry.off('board-changed', onChange) };
      this.queues.set(k, q);
    }
    const queue = q;
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new MqbError('CANCELLED', `${opts.label} was cancelled`));
      const info: WakeJobInfo = { id: opts.id ?? `w${++this.ids}`, profileId, prefix, label: opts.label, queuedAt: this.clock(), running: false, ...(opts.owner !== undefined && { owner: opts.owner }) };
      const onAbort = () => this.drop(queue, job, new MqbError('CANCELLED', `${opts.label} on ${prefix} was cancelled before the board woke`, { board: prefix }));
      const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => this.drop(queue, job, new MqbError('TIMEOUT', `${prefix} did not wake within ${Math.round(opts.timeoutMs! / 100) / 10} s (${opts.label} not run)`, { board: prefix })), opts.timeoutMs);
      const job: Job = {
        info,
        awakeSeconds: opts.awakeSeconds ?? DEFAULT_JOB_AWAKE_S,
        run: fn,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      queue.jobs.push(job);
      this.changed(queue);
      // Online already (a drain is running, or the wake raced the call): run in turn.
      if (this.host.registry(profileId).get(prefix)?.state.state === 'online') void this.drain(queue);
    });
  }

  private async drain(q: BoardQueue): Promise<void> {
    if (q.draining) return;
    q.draining = true;
    const client = this.host.board(q.profileId, q.prefix);
    let asked = false;
    try {
      if (canStayAwake(client) && q.jobs.length) {
        const seconds = q.jobs.reduce((n, j) => n + j.awakeSeconds, 0);
        // Best effort: the jobs run anyway, the board also stays awake while commands come.
        if (seconds > 0) asked = await requestAwake(client, seconds).then(() => true, () => false);
      }
      while (q.jobs.length) {
        const job = q.jobs[0]!;
        if (!this.isAwake(q)) break; // asleep again: the rest waits for the next wake
        job.info.running = true;
        job.cleanup();
        this.changed(q);
        try {
          job.resolve(await job.run(client));
        } catch (e) {
          job.reject(e);
        }
        q.jobs.shift();
        this.changed(q);
      }
      const hold = this.holds.get(key(q.profileId, q.prefix)) ?? 0;
      if (asked && q.jobs.length === 0 && hold <= this.clock() && this.isAwake(q)) await requestAwake(client, 0).catch(() => undefined);
    } finally {
      q.draining = false;
      this.forgetIfEmpty(q);
    }
  }

  private isAwake(q: BoardQueue): boolean {
    const s = this.host.registry(q.profileId).get(q.prefix)?.state.state;
    return s === 'online';
  }

  private drop(q: BoardQueue, job: Job, error: MqbError): void {
    const i = q.jobs.indexOf(job);
    if (i < 0 || job.info.running) return;
    q.jobs.splice(i, 1);
    job.cleanup();
    job.reject(error);
    this.changed(q);
    this.forgetIfEmpty(q);
  }

  private forgetIfEmpty(q: BoardQueue): void {
    if (q.jobs.length || q.draining) return;
    q.unwatch();
    this.queues.delete(key(q.profileId, q.prefix));
  }

  private changed(q: BoardQueue): void {
    this.emit('changed', { profileId: q.profileId, prefix: q.prefix, jobs: q.jobs.map((j) => ({ ...j.info })) });
  }
}

/** The engine's shared queue (one per Engine: the CLI, main and the web mode each have theirs). */
export function wakeQueueOf(engine: Pick<Engine, 'extension' | 'registry' | 'board'>): WakeQueue {
  return engine.extension('wake-queue', () => new WakeQueue(engine));
}

/** Asleep or overdue: worth queueing for. */
export const canWaitForWake = (entry: BoardEntry | undefined): boolean => !!entry && isSleeping(entry.state.state);
