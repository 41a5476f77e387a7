// The boards a broker knows, from their retained status (<prefix>/mqb/status) and crash records
// (<prefix>/mqb/crash): discovered with wildcard patterns, or tracked one prefix at a time (the
// CLI talks to one board and should not read the whole fleet's retained messages for that).
// Boards on the original firmware publish no status: they are added when heard (their log and
// reply topics, original-boards.ts) or when they answer the engine's eval probe.
import { EventEmitter } from 'node:events';
import { originalFirmwareStatus, parseBoardStatus } from '../common/board-status.js';
import { boardState } from '../common/board-state.js';
import type { BoardStateInfo } from '../common/board-state.js';
import type { BoardStatus, CrashRecord } from '../common/board-status.js';
import { MqbError } from '../common/errors.js';
import { DEFAULT_DISCOVERY, decodeText, prefixOfStatusTopic, TOPIC } from '../common/protocol.js';
import type { SessionLike } from './board-invocation.js';
import { parseCrashRecords } from './crash-records.js';
import { watchOriginalBoards } from './original-boards.js';
import { PrefixNesting } from './prefix-nesting.js';
import { StateTimer } from './state-timer.js';

export interface BoardEntry {
  prefix: string;
  status?: BoardStatus;
  /** When the last status arrived (ms, from the registry's clock). */
  lastSeen: number;
  crashes?: CrashRecord[];
  /** Why the last status could not be parsed (the previous one is kept). */
  malformed?: string;
  /** Set by the registry: this board's prefix is nested in another's, or holds another's. */
  warning?: string;
  /** Online, asleep, overdue or offline (common/board-state.ts), kept current by the registry. */
  state: BoardStateInfo;
  /**
   * The board runs the original firmware (protocol version 1) and publishes no status: `status`
   * is then what is known (originalFirmwareStatus), and `lastSeen` when it was last heard.
   */
  original?: true;
}

export interface FleetRegistryEvents {
  'board-added': [BoardEntry];
  'board-changed': [BoardEntry];
  'board-removed': [string];
}

export interface FleetRegistryOptions {
  discovery?: string[];
  clock?: () => number;
  /**
   * QoS of the discovery subscriptions (default 0). A broker hands the retained statuses of the
   * whole fleet over at once, and mosquitto queues at most `max_queued_messages` (default 1,000)
   * QoS 1 messages beyond its in-flight window and drops the rest: a console on a clean session
   * then saw only ~1,300 of 3,000 boards. QoS 0 is sent as the socket takes it and loses nothing
   * on a live TCP connection. A persistent session (clean off) needs 1, so that status changes
   * while the console is away are queued for it.
   */
  discoveryQos?: 0 | 1;
}

const CRASH_SUFFIX = '/mqb/crash';
/** An original board heard again updates its "last seen" at most this often (its log may be chatty). */
const HEARD_EVERY_MS = 5_000;

export class FleetRegistry extends EventEmitter<FleetRegistryEvents> {
  private readonly boards = new Map<string, BoardEntry>();
  private readonly unsubs: Array<() => Promise<void>> = [];
  private readonly tracked = new Set<string>();
  private readonly nesting = new PrefixNesting();
  private readonly clock: () => number;
  private readonly stateTimer: StateTimer;

  constructor(
    private readonly session: SessionLike,
    private readonly opts: FleetRegistryOptions = {},
  ) {
    super();
    // Every board being waited for (a rollout wave, queued wake jobs, resets) listens here for a
    // while: dozens at once are normal, not a leak (board-watch.ts always removes its listeners).
    this.setMaxListeners(0);
    this.clock = opts.clock ?? Date.now;
    this.stateTimer = new StateTimer(() => this.reevaluate(), this.clock);
  }

  /** Subscribes to the discovery patterns (status and crash topics of every board they match). */
  async discover(): Promise<void> {
    const patterns = this.opts.discovery ?? DEFAULT_DISCOVERY;
    for (const pattern of patterns) {
      const qos = this.opts.discoveryQos ?? 0;
      this.unsubs.push(await this.session.subscribe(pattern, (t, p) => this.onStatus(t, p), qos));
      if (pattern.endsWith('/mqb/status')) {
        const crash = pattern.slice(0, -'/mqb/status'.length) + CRASH_SUFFIX;
        this.unsubs.push(await this.session.subscribe(crash, (t, p) => this.onCrash(t, p), qos));
      }
    }
    this.unsubs.push(...(await watchOriginalBoards(this.session, patterns, (prefix) => this.heardOriginal(prefix))));
  }

  /**
   * A board without a status was heard (its log or replies) or answered the probe: an original
   * firmware board. A board that has a status stays as it is (only its "last seen" moves).
   */
  heardOriginal(prefix: string): BoardEntry {
    const now = this.clock();
    const known = this.boards.get(prefix);
    if (known?.status) {
      if (known.original && now - known.lastSeen >= HEARD_EVERY_MS) {
        known.lastSeen = now;
        this.emit('board-changed', known);
      }
      return known;
    }
    const entry: BoardEntry = { prefix, status: originalFirmwareStatus(prefix), original: true, lastSeen: now, state: { state: 'online' } };
    if (known) {
      Object.assign(known, entry);
      this.emit('board-changed', known);
      return known;
    }
    this.addEntry(entry);
    return entry;
  }

  /** Follows one board by its exact topics (any number of prefix levels). */
  async track(prefix: string): Promise<void> {
    if (this.tracked.has(prefix)) return;
    this.tracked.add(prefix);
    this.unsubs.push(await this.session.subscribe(TOPIC.status(prefix), (t, p) => this.onStatus(t, p), 1));
    this.unsubs.push(await this.session.subscribe(TOPIC.crash(prefix), (t, p) => this.onCrash(t, p), 1));
  }

  get(prefix: string): BoardEntry | undefined {
    return this.boards.get(prefix);
  }

  list(): BoardEntry[] {
    return [...this.boards.values()].sort((a, b) => a.prefix.localeCompare(b.prefix));
  }

  /** Resolves once the board's status is known; NO_BOARD when none arrives in time. */
  async waitFor(prefix: string, timeoutMs: number): Promise<BoardEntry> {
    await this.track(prefix);
    const known = this.boards.get(prefix);
    if (known?.status) return known;
    return new Promise<BoardEntry>((resolve, reject) => {
      const onEntry = (e: BoardEntry) => {
        if (e.prefix !== prefix || !e.status) return;
        done();
        resolve(e);
      };
      const timer = setTimeout(() => {
        done();
        const hint = this.boards.get(prefix)?.malformed ? ` (its status is not valid: ${this.boards.get(prefix)!.malformed})` : '';
        reject(new MqbError('NO_BOARD', `no board "${prefix}": no status on ${TOPIC.status(prefix)} within ${timeoutMs / 1000} s${hint} (run \`mqboard fleet\` to list the boards)`, { board: prefix }));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.off('board-added', onEntry);
        this.off('board-changed', onEntry);
      };
      this.on('board-added', onEntry);
      this.on('board-changed', onEntry);
    });
  }

  /**
   * Calls onReset when the board restarts: its status goes offline (the last will), or a new
   * status shows another boot (boot counter, or an uptime that went backwards).
   */
  watchReset(prefix: string, onReset: (why: string) => void): () => void {
    const before = this.boards.get(prefix)?.status;
    const onChange = (e: BoardEntry) => {
      if (e.prefix !== prefix || !e.status) return;
      const s = e.status;
      // A battery board that goes to sleep mid-command ends it as surely as a reset does.
      if (!s.online) return onReset(s.asleep ? 'it went to sleep' : 'it went offline');
      if (!before) return;
      if (!before.online || s.boots !== before.boots || (s.uptime !== null && before.uptime !== null && s.uptime < before.uptime)) {
        onReset(`it booted again, reset cause: ${s.resetCause || 'unknown'}`);
      }
    };
    const onRemoved = (p: string) => {
      if (p === prefix) onReset('its status was removed');
    };
    this.on('board-changed', onChange);
    this.on('board-removed', onRemoved);
    return () => {
      this.off('board-changed', onChange);
      this.off('board-removed', onRemoved);
    };
  }

  async close(): Promise<void> {
    this.stateTimer.stop();
    const unsubs = this.unsubs.splice(0);
    this.tracked.clear();
    await Promise.all(unsubs.map((u) => u().catch(() => {})));
  }

  private onStatus(topic: string, payload: Uint8Array): void {
    const prefix = prefixOfStatusTopic(topic);
    if (!prefix) return;
    const text = decodeText(payload);
    let status: BoardStatus | undefined;
    try {
      status = parseBoardStatus(prefix, text);
    } catch (err) {
      const entry = this.boards.get(prefix) ?? { prefix, lastSeen: this.clock(), state: { state: 'offline' } };
      const isNew = !this.boards.has(prefix);
      entry.malformed = `${(err as Error).message}: ${text.slice(0, 200)}`;
      if (isNew) this.addEntry(entry);
      else this.emit('board-changed', entry);
      return;
    }
    if (!status) {
      // An empty retained message: the board was removed from the broker.
      if (!this.boards.delete(prefix)) return;
      this.emit('board-removed', prefix);
      this.rewarn(this.nesting.remove(prefix));
      return;
    }
    const entry = this.boards.get(prefix);
    // The last will right after the board announced a planned sleep: its DISCONNECT did not get
    // through before the deep sleep cut the radio (a busy broker, a lost packet), so the broker
    // fired the will. It is asleep, not gone: keep the announced sleep; if it then misses its
    // wake, overdue and offline follow on the timer as for any sleeping board.
    if (entry?.status?.asleep && !status.online && !status.asleep) return;
    if (entry) {
      entry.status = status;
      entry.lastSeen = this.clock();
      delete entry.malformed;
      delete entry.original; // it publishes a status after all
      this.updateState(entry);
      this.emit('board-changed', entry);
    } else {
      const added: BoardEntry = { prefix, status, lastSeen: this.clock(), state: { state: 'offline' } };
      this.updateState(added);
      this.addEntry(added);
    }
  }

  private onCrash(topic: string, payload: Uint8Array): void {
    if (!topic.endsWith(CRASH_SUFFIX)) return;
    const prefix = topic.slice(0, -CRASH_SUFFIX.length);
    const crashes = parseCrashRecords(decodeText(payload));
    const entry = this.boards.get(prefix);
    if (entry) {
      entry.crashes = crashes;
      this.emit('board-changed', entry);
    } else if (crashes.length) {
      this.addEntry({ prefix, lastSeen: this.clock(), crashes, state: { state: 'offline' } });
    }
  }

  /** Recomputes the entry's state from its status; true when it changed. Arms the timer for the next change. */
  private updateState(entry: BoardEntry): boolean {
    const next = boardState(entry.status, entry.lastSeen, this.clock());
    const changed = next.state !== entry.state.state || next.wakeAt !== entry.state.wakeAt;
    entry.state = next;
    this.stateTimer.schedule(next.changesAt);
    return changed;
  }

  /** The timer: boards whose time ran out (asleep → overdue → offline) change without a message. */
  private reevaluate(): void {
    for (const e of this.boards.values()) if (this.updateState(e)) this.emit('board-changed', e);
  }

  /** A new board: and the warning on it and on the boards whose prefixes nest with its own. */
  private addEntry(entry: BoardEntry): void {
    this.boards.set(entry.prefix, entry);
    const related = this.nesting.add(entry.prefix);
    const warning = this.nesting.warning(entry.prefix);
    if (warning) entry.warning = warning;
    this.emit('board-added', entry);
    this.rewarn(related);
  }

  private rewarn(prefixes: string[]): void {
    for (const p of prefixes) {
      const e = this.boards.get(p);
      if (!e) continue;
      const warning = this.nesting.warning(p);
      if (warning === e.warning) continue;
      if (warning) e.warning = warning;
      else delete e.warning;
      this.emit('board-changed', e);
    }
  }
}
