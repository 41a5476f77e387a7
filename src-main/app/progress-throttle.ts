// Keeps a chatty progress source to at most one event per interval (10 a second by default),
// without losing what matters: a phase change goes out at once, and the latest state of a quiet
// moment goes out at the end of the interval (a bar never stays behind the real progress).
import { BATCH_INTERVAL_MS, realTimers } from './event-bus.js';
import type { Timers } from './event-bus.js';

export class ProgressThrottle<T extends { phase: string }> {
  private lastAt = -Infinity;
  private lastPhase: string | undefined;
  private pending: T | undefined;
  private timer: unknown;

  constructor(
    private readonly emit: (event: T) => void,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = realTimers,
    private readonly intervalMs = BATCH_INTERVAL_MS,
  ) {}

  push(event: T): void {
    const t = this.now();
    if (event.phase !== this.lastPhase || t - this.lastAt >= this.intervalMs) return this.send(event, t);
    this.pending = event;
    this.timer ??= this.timers.setTimeout(() => {
      this.timer = undefined;
      const p = this.pending;
      if (p) this.send(p, this.now());
    }, this.intervalMs - (t - this.lastAt));
  }

  /** The source ended: nothing pending goes out after this. */
  stop(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private send(event: T, t: number): void {
    this.stop();
    this.lastAt = t;
    this.lastPhase = event.phase;
    this.emit(event);
  }
}
