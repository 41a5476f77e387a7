// Per-request timeouts shared by both transports: every request settles, with a clear error when
// the other side never answers (a hung board, a dead server, a bug in a handler).
import { ConsoleError, timeoutOf } from '../../src-main/common/contract.js';
import type { RequestName, RequestOptions } from '../../src-main/common/contract.js';

/**
 * The transport waits a little longer than main's own deadline for the operation, so that main's
 * more precise TIMEOUT (it knows which board did not answer) normally arrives first.
 */
export const TRANSPORT_GRACE_MS = 2_000;

export function clientTimeoutMs(op: RequestName, opts?: RequestOptions): number {
  return opts?.timeoutMs ?? timeoutOf(op) + TRANSPORT_GRACE_MS;
}

export function timeoutError(op: RequestName, ms: number): ConsoleError {
  const secs = ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
  return new ConsoleError('TIMEOUT', `${op}: no answer within ${secs}; the console may be busy or the board unreachable`);
}

/** Races `promise` against a timer; the timer is always cleared. */
export function withTimeout<T>(op: RequestName, ms: number, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(op, ms)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
