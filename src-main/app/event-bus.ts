// Events main pushes to every UI client (Electron windows, web clients), typed by the contract,
// and a batcher that keeps chatty sources (fleet changes, log lines) to at most 10 events a second.
import type { EventName, EventOf } from '../common/contract.js';

export type EventListener = (event: EventName, data: unknown) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit<E extends EventName>(event: E, data: EventOf<E>): void {
    for (const l of [...this.listeners]) {
      try {
        l(event, data);
      } catch (err) {
        console.error(`mqboard: a ${event} listener failed`, err);
      }
    }
  }
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** The default spacing of batched events: at most 10 a second per source. */
export const BATCH_INTERVAL_MS = 100;

/**
 * Collects items and hands them over in one batch, at most once per interval: the first item of
 * a quiet period is delivered after `intervalMs`, never later.
 */
export class Batcher<T> {
  private items: T[] = [];
  private timer: unknown;

  constructor(
    private readonly flushTo: (items: T[]) => void,
    private readonly intervalMs = BATCH_INTERVAL_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  push(item: T): void {
    this.items.push(item);
    this.timer ??= this.timers.setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.flushTo(batch);
  }

  /** Drops what is pending (the source went away). */
  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.items = [];
  }
}
