// What the transfer commands (get, put, ota, sync) share: the progress display on stderr, Ctrl-C
// turned into cancellation, and the end of a command whose result was already printed.
import type { Command } from 'commander';
import { MqbError } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import { formatBytes, formatRate } from '../common/ota-plan.js';
import type { CliIo } from './cli-io.js';
import { ProgressDisplay, progressModeFor } from './progress.js';
import type { ProgressSink } from './progress.js';

export interface TransferCliOptions {
  json?: boolean;
  quiet?: boolean;
}

export function addQuietOption(cmd: Command): Command {
  return cmd.option('-q, --quiet', 'no progress display (errors are still reported)');
}

export function progressFor(io: CliIo, opts: TransferCliOptions): ProgressDisplay {
  const sink = io.stderr as ProgressSink;
  return new ProgressDisplay(sink, progressModeFor(opts, sink));
}

/** Runs fn with an AbortSignal that Ctrl-C fires (the transfer then stops and reports CANCELLED). */
export async function withCancel<T>(io: CliIo, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const off = io.onInterrupt(() => ac.abort());
  try {
    return await fn(ac.signal);
  } finally {
    off();
  }
}

/** "1.5 MB in 12.3 s (122 kB/s)" */
export function describeTransfer(bytes: number, ms: number): string {
  return `${formatBytes(bytes)} in ${(ms / 1000).toFixed(1)} s (${formatRate(ms > 0 ? (bytes * 1000) / ms : 0)})`;
}

/**
 * The error that ends a command whose per-item results are already printed (with --json: as the
 * JSON document), so that the exit code still says what went wrong without a second report.
 */
export function alreadyReported(code: ErrorCode, message: string): MqbError {
  return new MqbError(code, message, { jsonPrinted: true });
}
