// Waiting for a board's entry in the fleet registry to say something: the one place where the
// engine's waits (a reset coming back, a health gate, a battery board's wake) listen to the
// registry, with a time limit and cancellation, and always stop listening when done.
import type { BoardStatus } from '../common/board-status.js';
import { MqbError } from '../common/errors.js';
import type { BoardEntry } from './fleet-registry.js';

type EntryListener = (e: BoardEntry) => void;

/** What the waits need of the registry (a FleetRegistry, or a fake in tests). */
export interface StatusSource {
  get(prefix: string): BoardEntry | undefined;
  on(event: 'board-added' | 'board-changed', listener: EntryListener): unknown;
  off(event: 'board-added' | 'board-changed', listener: EntryListener): unknown;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const REAL_TIMERS: Timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

/** A judge's answer that ends the wait with an error (rejects with it). */
export type Verdict<T> = T | MqbError | undefined;

export interface WatchOptions {
  signal?: AbortSignal;
  timers?: Timers;
  /** Judge the entry as it is now too, before any change (default: only changes count). */
  now?: boolean;
}

/**
 * Follows the board's entry for `ms`: resolves with the first verdict `judge` gives (undefined:
 * not yet), rejects with an MqbError verdict, resolves 'timeout' when the time runs out, and
 * rejects CANCELLED when the signal fires.
 */
export function watchBoard<T>(registry: StatusSource, prefix: string, ms: number, judge: (e: BoardEntry) => Verdict<T>, opts: WatchOptions = {}): Promise<T | 'timeout'> {
  const { signal } = opts;
  const timers = opts.timers ?? REAL_TIMERS;
  return new Promise((resolve, reject) => {
    const onEntry = (e: BoardEntry) => {
      if (e.prefix !== prefix) return;
      const v = judge(e);
      if (v instanceof MqbError) finish(() => reject(v));
      else if (v !== undefined) finish(() => resolve(v));
    };
    const onAbort = () => finish(() => reject(new MqbError('CANCELLED', `waiting for ${prefix} was cancelled`, { board: prefix })));
    const timer = timers.setTimeout(() => finish(() => resolve('timeout')), ms);
    let done = false;
    const finish = (then: () => void) => {
      if (done) return;
      done = true;
      timers.clearTimeout(timer);
      registry.off('board-changed', onEntry);
      registry.off('board-added', onEntry);
      signal?.removeEventListener('abort', onAbort);
      then();
    };
    if (signal?.aborted) return onAbort();
    registry.on('board-changed', onEntry);
    registry.on('board-added', onEntry);
    signal?.addEventListener('abort', onAbort, { once: true });
    const current = opts.now ? registry.get(prefix) : undefined;
    if (current) onEntry(current);
  });
}

/** watchBoard over the board's statuses only (entries without one are not judged). */
export function watchStatus<T>(registry: StatusSource, prefix: string, ms: number, judge: (s: BoardStatus) => Verdict<T>, opts: WatchOptions = {}): Promise<T | 'timeout'> {
  return watchBoard(registry, prefix, ms, (e) => (e.status ? judge(e.status) : undefined), opts);
}
