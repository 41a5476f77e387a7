// Log history kept in the renderer: a ring buffer per board (and one merged ring for the
// multi-board view), and an incrementally filtered, flattened view of it for a virtualized list.
// A message with a traceback spans several rows. Appending and filtering cost O(new lines), so
// thousands of lines a second do not make the list re-scan its whole history.
import type { LogLine } from '../../src-main/common/contract.js';
import type { BoardKey } from './board-key.js';

export type Level = LogLine['level'];
export const LEVELS: readonly Level[] = ['C', 'E', 'W', 'I', 'D', '?'];
export const LEVEL_NAMES: Record<Level, string> = { C: 'critical', E: 'error', W: 'warning', I: 'info', D: 'debug', '?': 'other' };

export interface LogItem {
  key: BoardKey;
  line: LogLine;
  /** Number of text rows (1 + line breaks, capped). */
  rows: number;
}

/** Rows shown per message at most: a runaway multi-line message cannot flood the view. */
export const MAX_ROWS_PER_LINE = 200;

export function makeItem(key: BoardKey, line: LogLine): LogItem {
  let rows = 1;
  for (let i = line.text.indexOf('\n'); i >= 0 && rows < MAX_ROWS_PER_LINE; i = line.text.indexOf('\n', i + 1)) rows++;
  return { key, line, rows };
}

export class LogRing {
  private items: (LogItem | undefined)[];
  /** Sequence number of the oldest item kept. */
  first = 0;
  /** Sequence number the next item gets. */
  next = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<LogItem | undefined>(capacity);
  }

  push(item: LogItem): void {
    this.items[this.next % this.capacity] = item;
    this.next++;
    if (this.next - this.first > this.capacity) this.first = this.next - this.capacity;
  }

  get(seq: number): LogItem | undefined {
    return seq >= this.first && seq < this.next ? this.items[seq % this.capacity] : undefined;
  }

  get size(): number {
    return this.next - this.first;
  }

  clear(): void {
    this.items = new Array<LogItem | undefined>(this.capacity);
    this.first = this.next;
  }

  /** Iterates the items from oldest to newest. */
  *[Symbol.iterator](): Iterator<LogItem> {
    for (let s = this.first; s < this.next; s++) yield this.items[s % this.capacity]!;
  }
}

export interface LogFilter {
  levels: ReadonlySet<Level>;
  text: string;
  /** Only these boards (the merged view); undefined = every item of the ring. */
  keys?: ReadonlySet<BoardKey>;
}

export function matchesLog(item: LogItem, f: LogFilter, needle: string): boolean {
  if (!f.levels.has(item.line.level)) return false;
  if (f.keys && !f.keys.has(item.key)) return false;
  if (!needle) return true;
  return item.line.text.toLowerCase().includes(needle) || item.line.logger.toLowerCase().includes(needle) || item.key.toLowerCase().includes(needle);
}

const SUB = 1024; // rows are encoded as seq * SUB + sub-row (MAX_ROWS_PER_LINE < SUB)

/** The rows of a ring that pass a filter, kept up to date incrementally. */
export class FilteredLog {
  private rows: number[] = [];
  private start = 0;
  private scanned: number;
  private readonly needle: string;

  constructor(
    readonly ring: LogRing,
    readonly filter: LogFilter,
  ) {
    this.scanned = ring.first;
    this.needle = filter.text.trim().toLowerCase();
    this.update();
  }

  /** Takes in what was appended since the last call and forgets what the ring dropped. */
  update(): void {
    const ring = this.ring;
    for (let s = Math.max(this.scanned, ring.first); s < ring.next; s++) {
      const item = ring.get(s)!;
      if (matchesLog(item, this.filter, this.needle)) for (let r = 0; r < item.rows; r++) this.rows.push(s * SUB + r);
    }
    this.scanned = ring.next;
    const minRow = ring.first * SUB;
    while (this.start < this.rows.length && this.rows[this.start]! < minRow) this.start++;
    // Compact now and then, so dropping old rows stays amortized O(1).
    if (this.start > 4096 && this.start > this.rows.length / 2) {
      this.rows = this.rows.slice(this.start);
      this.start = 0;
    }
  }

  get count(): number {
    return this.rows.length - this.start;
  }

  /** Row i: the item, which of its text rows, that row's text, and a stable id for the row. */
  row(i: number): { item: LogItem; sub: number; text: string; id: number } | undefined {
    const code = this.rows[this.start + i];
    if (code === undefined) return undefined;
    const item = this.ring.get(Math.floor(code / SUB));
    if (!item) return undefined;
    const sub = code % SUB;
    return { item, sub, text: item.rows === 1 ? item.line.text : nthLine(item.line.text, sub), id: code };
  }
}

function nthLine(text: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return '';
    at = nl + 1;
  }
  const end = text.indexOf('\n', at);
  return end < 0 ? text.slice(at) : text.slice(at, end);
}

/** A log line as text, as the board printed it (for export and copy). */
export function formatLogLine(item: LogItem, withBoard: boolean): string {
  const l = item.line;
  const board = withBoard ? `[${item.key.slice(item.key.indexOf('/') + 1)}] ` : '';
  return `${board}${l.level} ${l.time} ${l.logger.padStart(8)}: ${l.text}`;
}
