// The log history of every board the console can see, from the moment it connects (issue 10.3):
// one wildcard subscription per discovery depth (`+/log`, `+/+/log`, ...) rather than one per
// board, so a pane opened late still shows what the board logged before. Sized for 10,000
// boards: each board keeps at most `perBoardLines` lines and `perBoardBytes` characters, and all
// boards together at most `totalBytes`; past that, boards give up their oldest lines in turn.
// A line is stored as the received text and its receive time only (parsed when read).
import { decodeText, DEFAULT_DISCOVERY } from '../common/protocol.js';
import type { SessionLike } from './board-invocation.js';

export interface LogHistoryOptions {
  /** Status patterns of the discovery (their `/mqb/status` becomes `/log`). */
  discovery?: string[];
  perBoardLines?: number;
  perBoardBytes?: number;
  totalBytes?: number;
  clock?: () => number;
}

/** One received line: the text as published and when it arrived (ms since the epoch). */
export interface RawLogLine {
  raw: string;
  t: number;
}

export const HISTORY_DEFAULTS = { perBoardLines: 300, perBoardBytes: 32 * 1024, totalBytes: 64 * 1024 * 1024 };

const STATUS_SUFFIX = '/mqb/status';
const LOG_SUFFIX = '/log';

class BoardLog {
  lines: RawLogLine[] = [];
  /** Index of the oldest line; lines before it were evicted (compacted now and then). */
  start = 0;
  bytes = 0;

  get count(): number {
    return this.lines.length - this.start;
  }

  dropOldest(): number {
    const line = this.lines[this.start++]!;
    this.bytes -= line.raw.length;
    // Compact lazily so dropping a line is O(1) on average.
    if (this.start > 64 && this.start * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.start);
      this.start = 0;
    }
    return line.raw.length;
  }
}

export class LogHistory {
  private readonly boards = new Map<string, BoardLog>();
  private readonly listeners = new Map<string, Set<(line: RawLogLine) => void>>();
  private readonly unsubs: (() => Promise<void>)[] = [];
  private total = 0;
  private evictCursor: Iterator<BoardLog> | undefined;
  private readonly o: Required<Omit<LogHistoryOptions, 'discovery' | 'clock'>>;
  private readonly clock: () => number;

  constructor(
    private readonly session: SessionLike,
    private readonly opts: LogHistoryOptions = {},
  ) {
    this.o = {
      perBoardLines: Math.max(1, opts.perBoardLines ?? HISTORY_DEFAULTS.perBoardLines),
      perBoardBytes: Math.max(1, opts.perBoardBytes ?? HISTORY_DEFAULTS.perBoardBytes),
      totalBytes: Math.max(1, opts.totalBytes ?? HISTORY_DEFAULTS.totalBytes),
    };
    this.clock = opts.clock ?? Date.now;
  }

  /** The log filters for the discovery patterns (patterns that are not status patterns are skipped). */
  static filters(discovery: string[] = DEFAULT_DISCOVERY): string[] {
    return discovery.filter((p) => p.endsWith(STATUS_SUFFIX)).map((p) => p.slice(0, -STATUS_SUFFIX.length) + LOG_SUFFIX);
  }

  async start(): Promise<void> {
    for (const filter of LogHistory.filters(this.opts.discovery)) {
      this.unsubs.push(await this.session.subscribe(filter, (topic, payload) => this.onMessage(topic, payload), 0));
    }
  }

  async close(): Promise<void> {
    const unsubs = this.unsubs.splice(0);
    await Promise.all(unsubs.map((u) => u().catch(() => undefined)));
    this.listeners.clear();
  }

  /** The lines kept for the board, oldest first. */
  lines(prefix: string): RawLogLine[] {
    const b = this.boards.get(prefix);
    return b ? b.lines.slice(b.start) : [];
  }

  /** Memory use in characters, for the status and the tests. */
  stats(): { boards: number; bytes: number } {
    return { boards: this.boards.size, bytes: this.total };
  }

  /** Calls `listener` for each new line of the board; returns the function that stops it. */
  watch(prefix: string, listener: (line: RawLogLine) => void): () => void {
    let set = this.listeners.get(prefix);
    if (!set) this.listeners.set(prefix, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(prefix);
    };
  }

  /** Stores one line (from the broker, or fetched from the board's own ring). */
  add(prefix: string, raw: string, t = this.clock()): RawLogLine {
    let b = this.boards.get(prefix);
    if (!b) this.boards.set(prefix, (b = new BoardLog()));
    const line = { raw, t };
    b.lines.push(line);
    b.bytes += raw.length;
    this.total += raw.length;
    while (b.count > 1 && (b.count > this.o.perBoardLines || b.bytes > this.o.perBoardBytes)) this.total -= b.dropOldest();
    this.evictGlobally(b);
    for (const listener of this.listeners.get(prefix) ?? []) listener(line);
    return line;
  }

  /**
   * Merges lines fetched from the board's own ring (its `logs` command, oldest first) into the
   * kept ones: a fetched line already kept (same text, in order) is not added again, the others go
   * in before the next kept line they precede. Returns how many lines were added. Listeners are
   * not called: the lines are older than what they have seen.
   */
  merge(prefix: string, fetched: string[]): number {
    let b = this.boards.get(prefix);
    if (!b) this.boards.set(prefix, (b = new BoardLog()));
    const have = b.lines.slice(b.start);
    const out: RawLogLine[] = [];
    let j = 0;
    let added = 0;
    for (const raw of fetched) {
      let k = j;
      while (k < have.length && have[k]!.raw !== raw) k++;
      if (k < have.length) {
        for (; j <= k; j++) out.push(have[j]!);
        continue;
      }
      // When it arrived is unknown: no later than the line it precedes.
      out.push({ raw, t: have[j]?.t ?? this.clock() });
      b.bytes += raw.length;
      this.total += raw.length;
      added++;
    }
    for (; j < have.length; j++) out.push(have[j]!);
    b.lines = out;
    b.start = 0;
    while (b.count > 1 && (b.count > this.o.perBoardLines || b.bytes > this.o.perBoardBytes)) this.total -= b.dropOldest();
    this.evictGlobally(b);
    return added;
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    if (!topic.endsWith(LOG_SUFFIX)) return;
    const prefix = topic.slice(0, -LOG_SUFFIX.length);
    if (!prefix) return;
    this.add(prefix, decodeText(payload));
  }

  /** Over the global cap: boards give up their oldest line in turn (never the one just added). */
  private evictGlobally(keep: BoardLog): void {
    let idle = 0;
    while (this.total > this.o.totalBytes && idle <= this.boards.size) {
      let next = this.evictCursor?.next();
      if (!next || next.done) {
        this.evictCursor = this.boards.values();
        next = this.evictCursor.next();
        if (next.done) return;
      }
      const b = next.value;
      if (b.count > (b === keep ? 1 : 0)) {
        this.total -= b.dropOldest();
        idle = 0;
      } else idle++;
    }
  }
}
