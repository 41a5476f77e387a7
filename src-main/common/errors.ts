// Errors the engine reports, with codes that the CLI maps to exit codes scripts can rely on
// and that the UI shows where the operation happened. Pure TypeScript.

export type ErrorCode =
  | 'USAGE' // bad arguments or options
  | 'LOCAL_IO' // a local file is missing, unreadable or unwritable
  | 'BROKER_DOWN' // cannot reach the broker (refused, DNS, TLS handshake, timeout)
  | 'AUTH' // the broker refused the user name, password or client certificate
  | 'TLS' // certificate verification failed
  | 'NO_BOARD' // no retained status for this prefix: no such board
  | 'OFFLINE' // the board's status says it is offline
  | 'TIMEOUT' // the board did not answer in time
  | 'BOARD_ERROR' // the board answered on the err topic (traceback, ENOENT, ...)
  | 'SHA_MISMATCH' // a transfer arrived corrupted
  | 'BOARD_RESET' // the board restarted in the middle of the command
  | 'PROTOCOL' // a malformed reply, a sequence gap
  | 'UNSUPPORTED' // the board's protocol version lacks this command
  | 'CANCELLED' // the user cancelled
  | 'ROLLOUT_PAUSED' // a rollout stopped before its end: a failure threshold, Ctrl-C, `rollout pause`
  | 'ROLLOUT_FAILED' // a rollout reached its end with boards that failed (within the threshold)
  | 'ROLLOUT_ABORTED'; // a rollout was aborted

/** Process exit codes per error code (documented in README, stable across releases). */
export const EXIT_CODES: Record<ErrorCode | 'OK' | 'INTERNAL', number> = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  LOCAL_IO: 3,
  BROKER_DOWN: 4,
  AUTH: 5,
  TLS: 6,
  NO_BOARD: 7,
  OFFLINE: 8,
  TIMEOUT: 9,
  BOARD_ERROR: 10,
  SHA_MISMATCH: 11,
  BOARD_RESET: 12,
  PROTOCOL: 13,
  UNSUPPORTED: 14,
  ROLLOUT_PAUSED: 20,
  ROLLOUT_FAILED: 21,
  ROLLOUT_ABORTED: 22,
  CANCELLED: 130,
};

export class MqbError extends Error {
  override name = 'MqbError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isMqbError(e: unknown): e is MqbError {
  return e instanceof MqbError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'MqbError' && typeof (e as { code?: unknown }).code === 'string');
}

export function exitCodeOf(e: unknown): number {
  return isMqbError(e) ? EXIT_CODES[e.code] : EXIT_CODES.INTERNAL;
}
