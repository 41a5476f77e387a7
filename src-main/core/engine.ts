// The console engine: one broker session per profile, its fleet registry, board clients, log
// streams and REPL sessions. The CLI, the Electron main process and the web mode all drive
// boards through this facade; features built elsewhere (OTA, transfers) hang off `extension`.
import { EventEmitter } from 'node:events';
import { MqbError } from '../common/errors.js';
import type { BoardStatus } from '../common/board-status.js';
import { describeWake, isSleeping } from '../common/board-state.js';
import type { SessionLike } from './board-invocation.js';
import { BoardClient } from './board-client.js';
import { probeOriginal } from './original-boards.js';
import type { BrokerProfile } from './broker-profile.js';
import { FleetRegistry } from './fleet-registry.js';
import type { BoardEntry } from './fleet-registry.js';
import { LogBackfill } from './log-backfill.js';
import { LogHistory } from './log-history.js';
import { LogStream } from './log-stream.js';
import type { LogStreamOptions } from './log-stream.js';
import { MqttSession } from './mqtt-session.js';
import type { SessionOptions, SessionState } from './mqtt-session.js';
import type { TtySession } from './tty-session.js';

/** What the engine needs of a session: MqttSession, or a fake in unit tests. */
export interface EngineSession extends SessionLike {
  close(): Promise<void>;
  on?(event: 'state', listener: (s: SessionState) => void): unknown;
}

export interface EngineOptions {
  clock?: () => number;
  logger?: (message: string) => void;
  openSession?: (profile: BrokerProfile, opts: SessionOptions) => Promise<EngineSession>;
}

export interface ConnectOptions {
  /** Subscribe to the discovery patterns (default true; the CLI tracks single boards instead). */
  discover?: boolean;
  connectTimeoutMs?: number;
  /** Keep every discovered board's log lines from the connect on (the console does; the CLI
   * does not: it would receive the whole fleet's logs for nothing). Needs `discover`. */
  logHistory?: boolean;
}

export interface OpenBoardOptions {
  /** How long to wait for the board's retained status (default 3 s). */
  waitMs?: number;
  /** Talk to a board whose status says offline (it may be back before the broker noticed). */
  force?: boolean;
  /** Command timeout of the client. */
  timeoutMs?: number;
  /** Return the client of an asleep or overdue board too (its commands wait for the wake). */
  allowAsleep?: boolean;
}

export interface EngineEvents {
  'profile-state': [{ id: string; state: SessionState }];
}

interface Connection {
  profile: BrokerProfile;
  session: EngineSession;
  registry: FleetRegistry;
  logs: Map<string, LogStream>;
  /** Every board's recent lines, kept from the connect on (discovering connections only). */
  history: LogHistory | undefined;
  /** Fetches what boards logged before the connect (with the history only). */
  backfill: LogBackfill | undefined;
}

export const DEFAULT_BOARD_WAIT_MS = 3_000;
/** How long a command waits for a status before it also probes for an original-firmware board. */
const PROBE_AFTER_MS = 500;

/** A pause that does not keep the process alive (the CLI exits once its command is done). */
const delay = (ms: number): Promise<undefined> =>
  new Promise((resolve) => {
    const t: unknown = setTimeout(resolve, ms);
    (t as { unref?: () => void }).unref?.();
  });

export class Engine extends EventEmitter<EngineEvents> {
  private readonly connections = new Map<string, Connection>();
  private readonly extensions = new Map<string, unknown>();

  constructor(private readonly opts: EngineOptions = {}) {
    super();
  }

  async connect(profile: BrokerProfile, opts: ConnectOptions = {}): Promise<EngineSession> {
    const existing = this.connections.get(profile.id);
    if (existing) return existing.session;
    const sessionOpts: SessionOptions = { ...(opts.connectTimeoutMs !== undefined && { connectTimeoutMs: opts.connectTimeoutMs }), ...(this.opts.logger && { logger: this.opts.logger }) };
    const session = await (this.opts.openSession ?? MqttSession.open)(profile, sessionOpts);
    session.on?.('state', (state) => this.emit('profile-state', { id: profile.id, state }));
    const registry = new FleetRegistry(session, {
      ...(profile.discovery && { discovery: profile.discovery }), ...(this.opts.clock && { clock: this.opts.clock }),
      discoveryQos: profile.clean === false ? 1 : 0,
    });
    const history = opts.discover !== false && opts.logHistory ? new LogHistory(session, { ...(profile.discovery && { discovery: profile.discovery }), ...(this.opts.clock && { clock: this.opts.clock }) }) : undefined;
    const backfill = history && new LogBackfill(history, registry, (prefix) => this.board(profile.id, prefix), { ...(this.opts.logger && { logger: this.opts.logger }) });
    this.connections.set(profile.id, { profile, session, registry, logs: new Map(), history, backfill });
    if (opts.discover !== false) {
      await history?.start();
      backfill?.start();
      await registry.discover();
    }
    return session;
  }

  async disconnect(profileId: string): Promise<void> {
    const c = this.connections.get(profileId);
    if (!c) return;
    this.connections.delete(profileId);
    await Promise.all([...c.logs.values()].map((l) => l.stop()));
    c.backfill?.close();
    await c.history?.close();
    await c.registry.close();
    await c.session.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((id) => this.disconnect(id)));
  }

  session(profileId: string): EngineSession {
    return this.conn(profileId).session;
  }

  registry(profileId: string): FleetRegistry {
    return this.conn(profileId).registry;
  }

  /** The history of every board's log (undefined when the connection does not discover). */
  logHistory(profileId: string): LogHistory | undefined {
    return this.conn(profileId).history;
  }

  /**
   * Fetches the lines the board kept that the history lacks (its boot log and ring, newer than
   * the last fetch), waiting at most `timeoutMs`; resolves with how many were added (0 for a
   * board that cannot, or a connection without history).
   */
  fetchKeptLogs(profileId: string, prefix: string, timeoutMs?: number): Promise<number> {
    return this.conn(profileId).backfill?.fetchNow(prefix, timeoutMs) ?? Promise.resolve(0);
  }

  /** A client for the board with the protocol version and capabilities its status announced. */
  board(profileId: string, prefix: string, opts: { timeoutMs?: number } = {}): BoardClient {
    const c = this.conn(profileId);
    const status = c.registry.get(prefix)?.status;
    return new BoardClient(c.session, prefix, {
      ...(status && { proto: status.proto, caps: status.caps, window: status.window }),
      ...(status?.otaSlot != null && { otaSlot: status.otaSlot }),
      ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
      watchReset: (onReset) => c.registry.watchReset(prefix, onReset),
    });
  }

  /**
   * Waits for the board's status, refuses an offline board (OFFLINE, unless `force`) and returns
   * its client. No status in time: probes for a board on the original firmware (which publishes
   * none); NO_BOARD when that does not answer either.
   */
  async openBoard(profileId: string, prefix: string, opts: OpenBoardOptions = {}): Promise<{ client: BoardClient; entry: BoardEntry }> {
    const entry = await this.statusOrProbe(profileId, prefix, opts.waitMs ?? DEFAULT_BOARD_WAIT_MS);
    if (!entry.status!.online && !opts.force) {
      if (opts.allowAsleep && isSleeping(entry.state.state)) return { client: this.board(profileId, prefix, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}), entry };
      if (isSleeping(entry.state.state)) throw new MqbError('OFFLINE', `${prefix} is ${sleepText(entry, this.now())}; use --wait-wake to run the command at its next wake`, { board: prefix, state: entry.state.state });
      throw new MqbError('OFFLINE', `${prefix} is offline (its last will is on the broker${describeLastSeen(entry.status!)}); use --force to send anyway`, { board: prefix });
    }
    return { client: this.board(profileId, prefix, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}), entry };
  }

  /**
   * The board's entry from its status, or from an answer to the eval probe (original firmware).
   * The probe starts after a short head start, while the status may still come: a retained
   * status arrives within a round trip of the subscription, and a board without one should not
   * cost every command the whole wait. A status that arrives while the probe runs wins.
   */
  private async statusOrProbe(profileId: string, prefix: string, waitMs: number): Promise<BoardEntry> {
    const registry = this.registry(profileId);
    type Outcome = { entry: BoardEntry } | { error: unknown };
    const status: Promise<Outcome> = registry.waitFor(prefix, waitMs).then((entry) => ({ entry }), (error: unknown) => ({ error }));
    const noBoard = (o: Outcome): boolean => 'error' in o && o.error instanceof MqbError && o.error.code === 'NO_BOARD' && !registry.get(prefix)?.malformed;
    const early = await Promise.race([status, delay(Math.min(PROBE_AFTER_MS, waitMs))]);
    if (early && 'entry' in early) return early.entry;
    if (early && !noBoard(early)) throw (early as { error: unknown }).error;
    const answered = await probeOriginal(this.session(profileId), prefix, waitMs);
    const late = registry.get(prefix);
    if (late?.status) return late;
    if (answered) return registry.heardOriginal(prefix);
    const outcome = await status;
    if ('entry' in outcome) return outcome.entry;
    if (!noBoard(outcome)) throw outcome.error;
    const e = outcome.error as MqbError;
    throw new MqbError('NO_BOARD', `${e.message.replace(/ \(run `.*$/, '')}, and no answer to an eval within ${waitMs / 1000} s (run \`mqboard fleet\` to list the boards)`, { board: prefix });
  }

  /** The board's log stream (one per board and profile; start() it to receive lines). */
  logs(profileId: string, prefix: string, opts: LogStreamOptions = {}): LogStream {
    const c = this.conn(profileId);
    let stream = c.logs.get(prefix);
    if (!stream) {
      stream = new LogStream(c.session, prefix, { ...(this.opts.clock && { clock: this.opts.clock }), ...(c.history && { history: c.history }), ...opts });
      c.logs.set(prefix, stream);
    }
    return stream;
  }

  /** A REPL session on the board (call open()). */
  tty(profileId: string, prefix: string, opts: { timeoutMs?: number } = {}): TtySession {
    return this.board(profileId, prefix, opts).tty();
  }

  /** One shared instance per name, created on first use (OTA engine, transfers, ...). */
  extension<T>(name: string, create: (engine: Engine) => T): T {
    if (!this.extensions.has(name)) this.extensions.set(name, create(this));
    return this.extensions.get(name) as T;
  }

  private now(): number {
    return (this.opts.clock ?? Date.now)();
  }

  private conn(profileId: string): Connection {
    const c = this.connections.get(profileId);
    if (!c) throw new MqbError('USAGE', `not connected to broker profile "${profileId}"`);
    return c;
  }
}

/** "asleep, wakes in 7 s" / "overdue 12 s" for messages. */
export function sleepText(entry: BoardEntry, now: number): string {
  const wake = describeWake(entry.state, now);
  return wake.startsWith('asleep') ? wake : `asleep, ${wake || entry.state.state}`;
}

function describeLastSeen(s: BoardStatus): string {
  return s.t ? `; it last reported at ${new Date(s.t * 1000).toISOString()}` : '';
}
