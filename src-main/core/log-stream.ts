// The log of one board (<prefix>/log): parsed lines in a bounded ring buffer (a chatty board
// cannot grow the console's memory without limit), typed `line` events, and an optional
// archive file the lines are appended to as they arrive.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import { MqbError } from '../common/errors.js';
import { formatLogLine, parseLogLine } from '../common/log-line.js';
import type { LogLine } from '../common/log-line.js';
import { decodeText, TOPIC } from '../common/protocol.js';
import type { SessionLike } from './board-invocation.js';
import type { LogHistory } from './log-history.js';

export interface LogStreamEvents {
  line: [LogLine];
  /** Appending to the archive failed; the stream goes on without it. */
  'archive-error': [Error];
}

export interface LogStreamOptions {
  /** Lines kept in memory (default 5,000). */
  capacity?: number;
  /** A file every line is appended to (with its receive time). */
  archive?: string;
  clock?: () => number;
  /** The engine's history of all boards: start() takes the lines kept so far from it and its
   * live lines (no subscription of its own, which would deliver every line twice). */
  history?: LogHistory;
}

export class LogStream extends EventEmitter<LogStreamEvents> {
  private readonly ring: LogLine[] = [];
  private head = 0;
  private unsub: (() => Promise<void>) | undefined;
  private starting: Promise<void> | undefined;
  private archiveFd: number | undefined;
  private readonly capacity: number;
  private readonly clock: () => number;

  constructor(
    private readonly session: SessionLike,
    readonly prefix: string,
    private readonly opts: LogStreamOptions = {},
  ) {
    super();
    this.capacity = Math.max(1, opts.capacity ?? 5_000);
    this.clock = opts.clock ?? Date.now;
  }

  get active(): boolean {
    return this.unsub !== undefined;
  }

  /** Subscribes to the board's log topic (idempotent). */
  start(): Promise<void> {
    this.starting ??= (async () => {
      if (this.opts.archive) {
        try {
          this.archiveFd = fs.openSync(this.opts.archive, 'a', 0o600);
        } catch (e) {
          this.starting = undefined;
          throw new MqbError('LOCAL_IO', `cannot open the log archive ${this.opts.archive}: ${(e as Error).message}`);
        }
      }
      const history = this.opts.history;
      if (history) {
        // The history is the source of truth: a restart (pane opened again) begins from it.
        this.ring.length = 0;
        this.head = 0;
        for (const l of history.lines(this.prefix)) this.store(parseLogLine(l.raw, l.t));
        const stop = history.watch(this.prefix, (l) => this.emitLine(parseLogLine(l.raw, l.t)));
        this.unsub = () => Promise.resolve(stop());
        return;
      }
      this.unsub = await this.session.subscribe(TOPIC.log(this.prefix), (_t, p) => this.push(decodeText(p)), 0);
    })();
    return this.starting;
  }

  async stop(): Promise<void> {
    const unsub = this.unsub;
    this.unsub = undefined;
    this.starting = undefined;
    if (this.archiveFd !== undefined) fs.closeSync(this.archiveFd);
    this.archiveFd = undefined;
    await unsub?.();
  }

  /** The lines kept, oldest first. */
  lines(): LogLine[] {
    return this.ring.length < this.capacity ? [...this.ring] : [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
  }

  /** Adds one received message (also usable to feed lines from elsewhere, e.g. a serial console). */
  push(raw: string): LogLine {
    return this.emitLine(parseLogLine(raw, this.clock()));
  }

  private emitLine(line: LogLine): LogLine {
    this.store(line);
    this.archive(line);
    this.emit('line', line);
    return line;
  }

  private store(line: LogLine): void {
    if (this.ring.length < this.capacity) this.ring.push(line);
    else {
      this.ring[this.head] = line;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  private archive(line: LogLine): void {
    if (this.archiveFd === undefined) return;
    try {
      fs.writeSync(this.archiveFd, `${new Date(line.t).toISOString()} ${formatLogLine(line)}\n`);
    } catch (err) {
      fs.closeSync(this.archiveFd);
      this.archiveFd = undefined;
      this.emit('archive-error', err as Error);
    }
  }
}
