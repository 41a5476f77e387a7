// The pure parts of streaming uploads (OTA images and files): cutting bytes into message payloads
// from a resume offset, and progress math (rate over a sliding window, ETA) with an injectable
// clock so the same code drives the CLI bars, the UI and the tests. Pure TypeScript.
import { OTA_BLOCK } from './protocol.js';

/** Payloads of `chunkSize` bytes from `offset` to the end (views into `data`, no copies). */
export function* chunkBytes(data: Uint8Array, chunkSize: number, offset = 0): Generator<Uint8Array> {
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`chunk size must be a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(offset) || offset < 0 || offset > data.length) throw new RangeError(`offset ${offset} is outside 0..${data.length}`);
  for (let at = offset; at < data.length; at += chunkSize) yield data.subarray(at, Math.min(at + chunkSize, data.length));
}

/** How many payloads chunkBytes yields. */
export const chunkCount = (length: number, chunkSize: number, offset = 0): number => Math.ceil(Math.max(0, length - offset) / chunkSize);

/**
 * Where to resume an OTA upload, from what `otastat` reported. The board promises a multiple of
 * 4,096 that it has verified; anything else (a board bug, a foreign reply) restarts from 0 rather
 * than risk a corrupt image. A complete image (offset = length) still resends its last block:
 * the board only sets the boot partition after a final message.
 */
export function resumeOffset(reported: unknown, length: number): number {
  if (typeof reported !== 'number' || !Number.isInteger(reported) || reported <= 0 || reported % OTA_BLOCK !== 0 || reported > length) return 0;
  const lastBlock = Math.floor((length - 1) / OTA_BLOCK) * OTA_BLOCK;
  return Math.min(reported, lastBlock);
}

export interface OtaStat {
  sha: string;
  offset: number;
  partition: string;
}

/** Parses an `otastat` reply; throws a SyntaxError with what was wrong. */
export function parseOtaStat(text: string): OtaStat {
  const j: unknown = JSON.parse(text);
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new SyntaxError('otastat reply is not a JSON object');
  const o = j as Record<string, unknown>;
  if (typeof o.offset !== 'number') throw new SyntaxError('otastat reply has no numeric "offset"');
  return { sha: typeof o.sha === 'string' ? o.sha : '', offset: o.offset, partition: typeof o.partition === 'string' ? o.partition : '' };
}

export interface ProgressSnapshot {
  /** Bytes done, including those already on the board before a resume. */
  done: number;
  total: number;
  /** Bytes per second over the sliding window; 0 until two samples are some time apart. */
  rate: number;
  /** Seconds left at the current rate; undefined while the rate is unknown. */
  eta: number | undefined;
  /** 0..1 */
  fraction: number;
  /** Milliseconds since the meter started. */
  elapsedMs: number;
}

export interface ProgressMeterOptions {
  /** Milliseconds, monotonic (default: performance.now or Date.now). */
  now?: () => number;
  /** Rate over the last windowMs (default 5,000): reacts to a stall within seconds, yet smooth. */
  windowMs?: number;
}

const defaultNow = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Bytes done over time. The rate is measured over a sliding window, so a resume (which starts with
 * `done` already high) or an early burst into the send window does not distort it for long.
 */
export class ProgressMeter {
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly started: number;
  private samples: Array<{ t: number; done: number }> = [];
  private current = 0;

  constructor(
    readonly total: number,
    opts: ProgressMeterOptions = {},
  ) {
    this.now = opts.now ?? defaultNow;
    this.windowMs = opts.windowMs ?? 5000;
    this.started = this.now();
  }

  /** Records `done` bytes (monotonic: a lower value, e.g. after a restart from 0, resets the window). */
  update(done: number): ProgressSnapshot {
    const t = this.now();
    if (done < this.current) this.samples = [];
    this.current = Math.min(done, this.total);
    this.samples.push({ t, done: this.current });
    // Keep one sample at or before the window start, so the window is always fully covered.
    while (this.samples.length > 2 && this.samples[1]!.t <= t - this.windowMs) this.samples.shift();
    return this.snapshot();
  }

  /** Forgets the rate history (e.g. while waiting for a board to come back). */
  restartRate(): void {
    this.samples = [];
  }

  snapshot(): ProgressSnapshot {
    const t = this.now();
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const span = first && last ? last.t - first.t : 0;
    // Below 200 ms the figure is noise (the first window's worth of messages leaves at once).
    const rate = first && last && span >= 200 ? ((last.done - first.done) * 1000) / span : 0;
    const left = this.total - this.current;
    return {
      done: this.current,
      total: this.total,
      rate,
      eta: left === 0 ? 0 : rate > 0 ? left / rate : undefined,
      fraction: this.total > 0 ? this.current / this.total : 1,
      elapsedMs: t - this.started,
    };
  }
}

/** 1234567 → "1.2 MB" (decimal units, like the sizes users see in file managers). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export const formatRate = (bytesPerSecond: number): string => (bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : '-- B/s');

/** Seconds → "42s", "3m05s", "1h02m"; "--" when unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
