// Progress display of the CLI's transfers. On a terminal: one live bar per running transfer
// (percent, bytes, rate, ETA), redrawn in place. Piped into a file or CI log: a plain line per
// transfer every few seconds, so logs stay readable. With --json or --quiet: nothing at all
// (stdout then carries only the result). Always written to stderr by the commands.
import type { ProgressSnapshot } from '../common/ota-plan.js';
import { formatBytes, formatEta, formatRate } from '../common/ota-plan.js';

export type ProgressMode = 'bar' | 'lines' | 'none';

/** What the display writes to (process.stderr, or a fake in tests). */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function progressModeFor(opts: { json?: boolean; quiet?: boolean }, sink: ProgressSink): ProgressMode {
  if (opts.json || opts.quiet) return 'none';
  return sink.isTTY ? 'bar' : 'lines';
}

export interface ProgressDisplayOptions {
  now?: () => number;
  /** lines mode: at most one line per transfer this often (default 5 s). */
  lineIntervalMs?: number;
  /** bar mode: at most one redraw this often (default 100 ms). */
  redrawMs?: number;
}

interface Task {
  label: string;
  snap: ProgressSnapshot;
  phase: string;
  lastLine: number;
}

const BAR_MIN = 10;
const BAR_MAX = 30;

/** "sim/sim-01  [#######-------]  52%  780 kB/1.5 MB  120 kB/s  ETA 6s  sending" */
export function renderBar(label: string, snap: ProgressSnapshot, phase: string, columns = 100): string {
  const pct = `${Math.floor(snap.fraction * 100)}%`.padStart(4);
  const figures = `${formatBytes(snap.done)}/${formatBytes(snap.total)}  ${formatRate(snap.rate)}  ETA ${formatEta(snap.eta)}`;
  const tail = `${pct}  ${figures}${phase ? `  ${phase}` : ''}`;
  const room = columns - label.length - tail.length - 6;
  const width = Math.max(BAR_MIN, Math.min(BAR_MAX, room));
  const full = Math.round(snap.fraction * width);
  const bar = `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
  const line = `${label}  ${bar}  ${tail}`;
  return line.length > columns ? line.slice(0, Math.max(0, columns - 1)) : line;
}

/** The plain form for logs: "sim/sim-01: 52% 780 kB/1.5 MB 120 kB/s ETA 6s (sending)". */
export function renderLine(label: string, snap: ProgressSnapshot, phase: string): string {
  return `${label}: ${Math.floor(snap.fraction * 100)}% ${formatBytes(snap.done)}/${formatBytes(snap.total)} ${formatRate(snap.rate)} ETA ${formatEta(snap.eta)}${phase ? ` (${phase})` : ''}`;
}

export class ProgressDisplay {
  private readonly tasks = new Map<string, Task>();
  private drawn = 0;
  private lastDraw = -Infinity;
  private readonly now: () => number;
  private readonly lineIntervalMs: number;
  private readonly redrawMs: number;

  constructor(
    private readonly sink: ProgressSink,
    readonly mode: ProgressMode,
    opts: ProgressDisplayOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.lineIntervalMs = opts.lineIntervalMs ?? 5000;
    this.redrawMs = opts.redrawMs ?? 100;
  }

  update(key: string, label: string, snap: ProgressSnapshot, phase = ''): void {
    if (this.mode === 'none') return;
    const t = this.now();
    const task = this.tasks.get(key);
    if (this.mode === 'lines') {
      const phaseChanged = task !== undefined && task.phase !== phase;
      if (!task || phaseChanged || t - task.lastLine >= this.lineIntervalMs) {
        this.sink.write(`${renderLine(label, snap, phase)}\n`);
        this.tasks.set(key, { label, snap, phase, lastLine: t });
      } else {
        Object.assign(task, { snap, phase });
      }
      return;
    }
    const phaseChanged = task?.phase !== phase;
    this.tasks.set(key, { label, snap, phase, lastLine: task?.lastLine ?? t });
    if (phaseChanged || t - this.lastDraw >= this.redrawMs) this.redraw();
  }

  /** Ends a transfer: its bar goes; `message` (if any) is kept in its place on stderr. */
  done(key: string, message?: string): void {
    if (this.mode === 'none') return;
    this.tasks.delete(key);
    if (message !== undefined) this.log(message);
    else if (this.mode === 'bar') this.redraw();
  }

  /** A line printed above the live bars. */
  log(message: string): void {
    if (this.mode !== 'none') this.print(this.sink, message);
  }

  /** Writes a line of output (e.g. a result to stdout) without tearing the bars on the terminal. */
  print(out: { write(text: string): unknown }, line: string): void {
    if (this.mode !== 'bar') {
      out.write(`${line}\n`);
      return;
    }
    this.clearBars();
    out.write(`${line}\n`);
    this.redraw();
  }

  /** Removes the live bars (call before the command prints its result or exits). */
  close(): void {
    if (this.mode === 'bar') this.clearBars();
    this.tasks.clear();
  }

  private clearBars(): void {
    if (this.drawn === 0) return;
    // Up to the first bar, then clear everything below the cursor.
    this.sink.write(`\x1b[${this.drawn}A\r\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    const columns = this.sink.columns ?? 100;
    let out = this.drawn > 0 ? `\x1b[${this.drawn}A\r` : '';
    for (const task of this.tasks.values()) out += `\x1b[2K${renderBar(task.label, task.snap, task.phase, columns)}\n`;
    if (this.tasks.size < this.drawn) out += '\x1b[J';
    this.drawn = this.tasks.size;
    this.lastDraw = this.now();
    if (out) this.sink.write(out);
  }
}
