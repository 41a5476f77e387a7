// Resets a board after an upgrade and follows it through the reboot by its retained status, so
// the user sees the board come back with the new firmware: version, partition, and whether the
// new image still waits for its confirmation (pending_verify) or was confirmed by a healthy boot.
import type { BoardStatus } from '../common/board-status.js';
import { MqbError, isMqbError } from '../common/errors.js';
import type { BoardClient } from './board-client.js';
import { watchStatus } from './board-watch.js';
import type { StatusSource } from './board-watch.js';

export type RestartBoard = Pick<BoardClient, 'prefix' | 'caps' | 'request'>;

export interface RestartOptions {
  /** How long the board may take to come back (default 60 s). */
  timeoutMs?: number;
  /** Also wait until the new firmware is confirmed (pending_verify false), this long. */
  confirmTimeoutMs?: number;
  /** The partition the new image went to (otastat): booting another one means it was rolled back. */
  expectPartition?: string;
  /**
   * The uploaded image's app_elf_sha256 (hex): a board that says which image it runs (status
   * app_sha) and runs another one did not start the upload. Compared instead of the version,
   * which a stock build leaves empty in the app descriptor.
   */
  expectAppSha?: string;
  signal?: AbortSignal;
}

export interface RestartReport {
  prefix: string;
  fw: string;
  project: string;
  /** The running image's app_elf_sha256, '' when the board does not say. */
  appSha: string;
  partition: string;
  pendingVerify: boolean;
  /** Set when a confirmation was waited for. */
  confirmed?: boolean;
  /** Milliseconds from the reset command to the first status of the new boot. */
  backAfterMs: number;
}

/** A status that can only come from a boot after `before`. */
function isNewBoot(before: BoardStatus | undefined, s: BoardStatus, sawOffline: boolean): boolean {
  if (!s.online) return false;
  if (!before || sawOffline || !before.online) return true;
  return s.boots !== before.boots || (s.uptime !== null && before.uptime !== null && s.uptime < before.uptime);
}

async function waitForStatus(
  registry: StatusSource,
  prefix: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  /** true: this is the status waited for; an error ends the wait with it. */
  accept: (s: BoardStatus) => boolean | MqbError,
  timeoutMessage: () => string,
): Promise<BoardStatus> {
  const v = await watchStatus(registry, prefix, timeoutMs, (s) => {
    const verdict = accept(s);
    return verdict instanceof MqbError ? verdict : verdict ? s : undefined;
  }, signal ? { signal } : {});
  if (v === 'timeout') throw new MqbError('TIMEOUT', timeoutMessage(), { board: prefix });
  return v;
}

/** Sends `reset` (v2) or `machine.reset()` through eval (v1), and waits for the new boot's status. */
export async function resetAndWait(board: RestartBoard, registry: StatusSource, opts: RestartOptions = {}): Promise<RestartReport> {
  const { prefix } = board;
  const before = registry.get(prefix)?.status;
  if (registry.get(prefix)?.original) throw new MqbError('UNSUPPORTED', `${prefix} runs the original firmware, which publishes no status: the reset cannot be followed (upgrade without --reset, then reset it)`, { board: prefix });
  if (!before) throw new MqbError('UNSUPPORTED', `${prefix} publishes no status: the reset cannot be followed`, { board: prefix });
  let sawOffline = false;
  const back = waitForStatus(registry, prefix, opts.timeoutMs ?? 60_000, opts.signal, (s) => {
    if (!s.online) sawOffline = true;
    return isNewBoot(before, s, sawOffline);
  }, () => `${prefix} did not come back within ${(opts.timeoutMs ?? 60_000) / 1000} s of the reset`);
  back.catch(() => {});
  const started = performance.now();
  try {
    if (board.caps.includes('reset')) await board.request('reset', { payload: 'hard', ...(opts.signal && { signal: opts.signal }) });
    else await board.request('eval', { payload: 'import machine\nmachine.reset()', timeoutMs: 3000, ...(opts.signal && { signal: opts.signal }) });
  } catch (e) {
    // The board may go down before its answer reaches us: that is what we asked for.
    if (!isMqbError(e) || (e.code !== 'BOARD_RESET' && e.code !== 'TIMEOUT')) throw e;
  }
  const s = await back;
  const report: RestartReport = { prefix, fw: s.fw, project: s.project, appSha: s.appSha, partition: s.partition, pendingVerify: s.pendingVerify, backAfterMs: Math.round(performance.now() - started) };
  if (opts.expectPartition && s.partition && s.partition !== opts.expectPartition) {
    throw new MqbError('BOARD_ERROR', `${prefix} booted ${s.partition} (firmware ${s.fw || '?'}), not ${opts.expectPartition} where the new image was written: it was rolled back`, { board: prefix, report });
  }
  const want = opts.expectAppSha?.toLowerCase();
  if (want && s.appSha && s.appSha !== want) {
    throw new MqbError('BOARD_ERROR', `${prefix} booted ${s.partition || '?'} but runs image ${s.appSha.slice(0, 16)}…, not the uploaded ${want.slice(0, 16)}…`, { board: prefix, report });
  }
  if (opts.confirmTimeoutMs !== undefined && s.pendingVerify) {
    await waitForStatus(registry, prefix, opts.confirmTimeoutMs, opts.signal, (x) => {
      if (!x.online) return new MqbError('BOARD_RESET', `${prefix} went offline before confirming the new firmware (a rollback reset?)`, { board: prefix });
      return !x.pendingVerify;
    }, () => `${prefix} did not confirm the new firmware within ${opts.confirmTimeoutMs! / 1000} s (it is still pending verification and may roll back at its next reset)`);
    report.pendingVerify = false;
  }
  if (opts.confirmTimeoutMs !== undefined) report.confirmed = !report.pendingVerify;
  return report;
}
