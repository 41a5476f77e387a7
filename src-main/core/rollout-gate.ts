// The health gate of a firmware rollout, per board, after its upload: reset it, it must come back
// within T on the partition the image went to and with the new version, confirm it (its all-OK:
// pending_verify false) within C, then stay up for M without a crash or a reset. A board that
// resets before confirming is rolled back by its bootloader (ESP-IDF pending-verify rollback):
// the gate waits for it to come back and records what it runs. One left pending is reset, so
// that the rollback happens now rather than at some later reset.
import type { BoardStatus } from '../common/board-status.js';
import { isMqbError } from '../common/errors.js';
import type { HealthGate } from '../common/rollout-plan.js';
import { resetAndWait } from './board-restart.js';
import type { RestartBoard } from './board-restart.js';
import { watchStatus } from './board-watch.js';
import type { StatusSource, Timers } from './board-watch.js';
import type { BoardOutcome, UpdateContext } from './rollout-engine.js';

/** The board's status once it is online (at once if it is), or undefined after `ms`. */
export async function whenOnline(registry: StatusSource, prefix: string, ms: number, signal?: AbortSignal, timers?: Timers): Promise<BoardStatus | undefined> {
  const now = registry.get(prefix)?.status;
  if (now?.online) return now;
  const v = await watchStatus(registry, prefix, ms, (s) => (s.online ? s : undefined), { ...(signal && { signal }), ...(timers && { timers }) });
  return v === 'timeout' ? undefined : v;
}

/**
 * Why the board must not be reset now, after waiting for it, or undefined when a reset is safe for
 * its boot-loop counter: at most its current boot unconfirmed (`failed_boots` <= 1). A board back
 * from a failed boot (a rollback, a crash) counts 2: reset before its all-OK, its next boot would
 * be the third unconfirmed one in a row and go to safe mode for a boot loop (the firmware's
 * default limit is 2). A battery board's wake counts 1 (its last wake was marked good before it
 * slept). Waits up to `ms` for the all-OK of such a board.
 */
export async function resetUnsafe(registry: StatusSource, prefix: string, ms: number, ctx: Pick<UpdateContext, 'note' | 'signal'>, timers?: Timers): Promise<string | undefined> {
  const safe = (s: BoardStatus) => (s.online && s.failedBoots <= 1 ? s : undefined);
  const now = registry.get(prefix)?.status;
  if (!now || safe(now)) return undefined;
  ctx.note(`${prefix}: back from a failed boot; waiting for this one to reach all OK before resetting it`);
  const v = await watchStatus(registry, prefix, ms, safe, { signal: ctx.signal, ...(timers && { timers }) });
  if (v !== 'timeout') return undefined;
  return `its boot did not reach all OK within ${ms / 1000} s (${registry.get(prefix)?.status?.failedBoots ?? '?'} unconfirmed boot(s)): a reset now could send it to safe mode`;
}

/** Why the board was not stable for `ms` after its confirmation, or undefined when it was. */
export async function watchStable(registry: StatusSource, prefix: string, baseline: BoardStatus, ms: number, signal?: AbortSignal, timers?: Timers): Promise<string | undefined> {
  const v = await watchStatus(registry, prefix, ms, (s) => {
    // A battery board's planned sleep, and the boots of its wakes, are its normal life.
    if (!s.online && s.asleep) return undefined;
    if (!s.online) return `went offline during the ${ms / 1000} s stability period`;
    if (s.boots !== baseline.boots && s.resetCause !== 'deepsleep') return `reset during the ${ms / 1000} s stability period (boot ${s.boots}, reset cause ${s.resetCause || '?'})`;
    if (s.crashes > baseline.crashes) return `crashed during the ${ms / 1000} s stability period (${s.crashes} crash record(s))`;
    if (s.safeMode) return `went to safe mode (${s.safeReason || '?'})`;
    return undefined;
  }, { ...(signal && { signal }), ...(timers && { timers }) });
  return v === 'timeout' ? undefined : v;
}

export interface GateInput {
  board: RestartBoard;
  registry: StatusSource;
  gate: HealthGate;
  /** The version the image carries ('' when it names none: then only the partition tells). */
  version: string;
  /** Where the image went (otastat); booting another slot means a rollback. */
  partition?: string;
  signal?: AbortSignal;
  note?: (text: string) => void;
  timers?: Timers;
}

const where = (s: Pick<BoardStatus, 'fw' | 'partition'>) => `${s.fw || '?'} on ${s.partition || '?'}`;

/** After a reset that took it back: rolled back when it no longer boots the new image's slot. */
async function afterRollback(input: GateInput, why: string, seen: BoardStatus): Promise<BoardOutcome> {
  const { registry, board, gate, partition } = input;
  if (!seen.online) input.note?.(`${board.prefix}: ${why}; waiting for it to come back`);
  const back = seen.online ? seen : await whenOnline(registry, board.prefix, gate.onlineWithinS * 1000, input.signal, input.timers);
  if (!back) return { kind: 'failed', reason: `${why}; not back within ${gate.onlineWithinS} s` };
  const rolledBack = partition ? back.partition !== partition : back.fw !== input.version;
  return { kind: 'failed', reason: `${why}; back on ${where(back)}${rolledBack ? ' (rolled back by its bootloader)' : ''}`, rolledBack, fw: back.fw };
}

export async function firmwareGate(input: GateInput): Promise<BoardOutcome> {
  const { board, registry, gate, version, signal } = input;
  const prefix = board.prefix;
  let report;
  try {
    report = await resetAndWait(board, registry, { timeoutMs: gate.onlineWithinS * 1000, ...(input.partition && { expectPartition: input.partition }), ...(signal && { signal }) });
  } catch (e) {
    if (!isMqbError(e) || e.code === 'CANCELLED') throw e;
    const came = e.details?.report as { fw: string; partition: string } | undefined;
    // Booted the other slot: the new image did not even start (the bootloader refused it).
    if (came) return { kind: 'failed', reason: `came back on ${where(came)}, not the new image on ${input.partition}: rolled back`, rolledBack: true, fw: came.fw };
    return { kind: 'failed', reason: e.message };
  }
  if (version && report.fw !== version) return { kind: 'failed', reason: `came back running ${report.fw || '?'}, not ${version}` };
  input.note?.(`${prefix}: back after ${(report.backAfterMs / 1000).toFixed(1)} s on ${where(report)}${report.pendingVerify ? ', waiting for its confirmation' : ''}`);
  let confirmed = registry.get(prefix)?.status;
  // Safe mode confirms the image too (its watchdog's all-OK), but the app does not run there.
  if (confirmed?.safeMode) return { kind: 'failed', reason: `came back in safe mode (${confirmed.safeReason || '?'}) on ${where(confirmed)}` };
  if (report.pendingVerify) {
    const boots = confirmed?.boots;
    // A later boot (its offline status lost) counts as the reset it is, not as a confirmation.
    const judge = (s: BoardStatus) => (!s.online || s.boots !== boots || s.partition !== report.partition ? { reset: s } : !s.pendingVerify ? { ok: s } : undefined);
    const v = await watchStatus(registry, prefix, gate.confirmWithinS * 1000, judge, { ...(signal && { signal }), ...(input.timers && { timers: input.timers }) });
    if (v !== 'timeout' && v.reset) return afterRollback(input, `reset before confirming ${version || 'the new firmware'}`, v.reset);
    if (v === 'timeout') {
      // Still pending: its next reset rolls it back anyway; do it now, while someone watches.
      try {
        await resetAndWait(board, registry, { timeoutMs: gate.onlineWithinS * 1000, ...(signal && { signal }) });
      } catch (e) {
        if (isMqbError(e) && e.code === 'CANCELLED') throw e;
      }
      const now = registry.get(prefix)?.status;
      const rolledBack = !!now?.online && (input.partition ? now.partition !== input.partition : now.fw !== version);
      return { kind: 'failed', reason: `did not confirm ${version || 'the new firmware'} within ${gate.confirmWithinS} s; reset${now?.online ? `, back on ${where(now)}` : ''}`, rolledBack, ...(now?.online && { fw: now.fw }) };
    }
    confirmed = v.ok;
  }
  if (!confirmed) return { kind: 'failed', reason: 'its status disappeared after the reset' };
  if (confirmed.safeMode) return { kind: 'failed', reason: `went to safe mode (${confirmed.safeReason || '?'}) on ${where(confirmed)}` };
  input.note?.(`${prefix}: confirmed ${where(confirmed)}; watching it for ${gate.stableS} s`);
  const unstable = await watchStable(registry, prefix, confirmed, gate.stableS * 1000, signal, input.timers);
  if (unstable) return { kind: 'failed', reason: unstable };
  return { kind: 'healthy', fw: confirmed.fw };
}
