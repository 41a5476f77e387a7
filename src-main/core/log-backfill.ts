// Fetches what a board logged before the console was listening (issue 10.3): boards that announce
// the `logs` capability keep their boot log and a ring of their last published lines, and answer
// `logs` with them, numbered per boot. The console asks each board once when it first sees it
// online (a few boards at a time, in the background, so a fleet of thousands is not asked at
// once) and again when a log pane opens, asking then only for lines newer than the last fetch.
// The lines are merged into the log history without duplicates (LogHistory.merge).
import { hasCap } from '../common/board-status.js';
import { decodeText } from '../common/protocol.js';
import type { BoardClient } from './board-client.js';
import type { BoardEntry, FleetRegistry } from './fleet-registry.js';
import type { LogHistory } from './log-history.js';

export const LOGS_CAP = 'logs';

export interface LogBackfillOptions {
  /** Background fetches at the same time (default 2). */
  concurrency?: number;
  /** How long one fetch may take (default 5 s; a pane waits at most `paneWaitMs`). */
  timeoutMs?: number;
  logger?: (message: string) => void;
}

/** The reply of a board's `logs` command. */
export interface KeptLines {
  boot: number;
  seq: number;
  lines: [number, string][];
}

/** Parses a `logs` reply; throws on anything else (a hostile board gets no say in the shape). */
export function parseKeptLines(payload: Uint8Array): KeptLines {
  const o = JSON.parse(decodeText(payload)) as unknown;
  if (typeof o !== 'object' || o === null) throw new Error('not an object');
  const { boot, seq, lines } = o as Record<string, unknown>;
  if (typeof boot !== 'number' || typeof seq !== 'number' || !Array.isArray(lines)) throw new Error('boot, seq or lines missing');
  const out: [number, string][] = [];
  for (const l of lines) {
    if (!Array.isArray(l) || typeof l[0] !== 'number' || typeof l[1] !== 'string') throw new Error('a line is not [seq, text]');
    out.push([l[0], l[1]]);
  }
  return { boot, seq, lines: out };
}

export class LogBackfill {
  /** Per board: the boot and the highest line number fetched so far. */
  private readonly fetched = new Map<string, { boot: number; seq: number }>();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Map<string, Promise<number>>();
  private active = 0;
  private closed = false;
  private readonly onEntry = (e: BoardEntry) => this.consider(e);

  constructor(
    private readonly history: LogHistory,
    private readonly registry: FleetRegistry,
    private readonly client: (prefix: string) => BoardClient,
    private readonly opts: LogBackfillOptions = {},
  ) {}

  start(): void {
    this.registry.on('board-added', this.onEntry);
    this.registry.on('board-changed', this.onEntry);
  }

  close(): void {
    this.closed = true;
    this.registry.off('board-added', this.onEntry);
    this.registry.off('board-changed', this.onEntry);
    this.queue.length = 0;
    this.queued.clear();
  }

  /** Fetches the board's newer kept lines now (a log pane opens); resolves with the lines added, 0 when it cannot. */
  fetchNow(prefix: string, timeoutMs = this.opts.timeoutMs ?? 5_000): Promise<number> {
    const entry = this.registry.get(prefix);
    if (!entry || !this.capable(entry)) return Promise.resolve(0);
    return this.fetch(prefix, timeoutMs);
  }

  private capable(e: BoardEntry): boolean {
    return e.state.state === 'online' && hasCap(e.status, LOGS_CAP);
  }

  private consider(e: BoardEntry): void {
    if (this.closed || this.fetched.has(e.prefix) || this.queued.has(e.prefix) || !this.capable(e)) return;
    this.queued.add(e.prefix);
    this.queue.push(e.prefix);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active < (this.opts.concurrency ?? 2) && this.queue.length) {
      const prefix = this.queue.shift()!;
      this.queued.delete(prefix);
      this.active++;
      void this.fetch(prefix, this.opts.timeoutMs ?? 5_000).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private fetch(prefix: string, timeoutMs: number): Promise<number> {
    // One fetch per board at a time: a pane opening during the background fetch waits for it.
    let p = this.running.get(prefix);
    if (!p) {
      p = this.fetchOnce(prefix, timeoutMs).finally(() => this.running.delete(prefix));
      this.running.set(prefix, p);
    }
    return p;
  }

  private async fetchOnce(prefix: string, timeoutMs: number): Promise<number> {
    const last = this.fetched.get(prefix);
    try {
      const reply = await this.client(prefix).request(LOGS_CAP, { payload: last ? `${last.boot} ${last.seq}` : '', timeoutMs });
      const kept = parseKeptLines(reply);
      const since = last && last.boot === kept.boot ? last.seq : 0;
      const lines = kept.lines.filter(([n]) => n > since).sort((a, b) => a[0] - b[0]);
      this.fetched.set(prefix, { boot: kept.boot, seq: Math.max(since, ...lines.map(([n]) => n)) });
      if (this.closed) return 0;
      return this.history.merge(prefix, lines.map(([, text]) => text));
    } catch (e) {
      // Not fatal: the live lines keep coming. Remember the board so it is not asked again and again.
      if (!last) this.fetched.set(prefix, { boot: -1, seq: 0 });
      this.opts.logger?.(`log history of ${prefix} not fetched: ${(e as Error).message}`);
      return 0;
    }
  }
}
