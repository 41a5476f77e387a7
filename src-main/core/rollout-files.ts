// The BoardUpdater of a file-set rollout (a new app version as a sync spec): the files of the
// spec that differ are sent as `mqboard sync` sends them, after the board's current copies were
// read back and kept; then the board is reset and gated (back within T, no app module failed to
// start, no safe mode, then up for M without a crash or reset: set M above the board's
// `watchdog.allok`, whose verdict resets a boot whose modules failed). A board that fails the
// gate gets its previous files back (and loses the new ones), and is reset into them. A battery
// board asleep is waited for (with --wait-wake) and kept awake while it is updated.
import { isSleeping } from '../common/board-state.js';
import { MqbError, isMqbError } from '../common/errors.js';
import type { BoardStatus } from '../common/board-status.js';
import type { HealthGate } from '../common/rollout-plan.js';
import { resetAndWait } from './board-restart.js';
import type { Engine } from './engine.js';
import { getFile, putFile } from './file-transfer.js';
import { BoardFs } from './fs-ops.js';
import { canStayAwake, keepAwake, requestAwake, waitForWake } from './keep-awake.js';
import type { BoardOutcome, BoardUpdater, UpdateContext } from './rollout-engine.js';
import { resetUnsafe, watchStable, whenOnline } from './rollout-gate.js';
import { planBoardSync, runSync } from './sync.js';
import type { UpdateSigner } from '../common/signing.js';

export interface FilesUpdaterOptions {
  engine: Pick<Engine, 'registry' | 'board'>;
  profileId: string;
  specText: string;
  /** The spec's directory: its source paths start there. */
  specDir: string;
  gate: HealthGate;
  timeoutMs: number;
  /** Signs every put, the restore of the previous files too (docs/signing.md). */
  sign?: UpdateSigner;
  /** Sleeping boards are waited for (each wait at most this long); without it they are skipped. */
  wakeWaitMs?: number;
}

const RESTORE_ATTEMPTS = 3;
/** A file set's "version" on a board: its app modules and their versions (`fwcheck 2.0, blinky 1.1`). */
const appVersions = (s: BoardStatus) => Object.entries(s.modules).map(([k, v]) => `${k} ${v}`).join(', ');
const reasonOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** Rethrows a cancel (the rollout paused or stopped); anything else is the board's failure. */
const unlessCancelled = (e: unknown) => {
  if (isMqbError(e) && e.code === 'CANCELLED') throw e;
  return reasonOf(e);
};
const failedModules = (s: BoardStatus) => Object.entries(s.modules).filter(([, v]) => v.startsWith('failed')).map(([k, v]) => `${k} ${v}`);

type Board = ReturnType<FilesUpdaterOptions['engine']['board']>;

export function filesUpdater(o: FilesUpdaterOptions): BoardUpdater {
  const registry = o.engine.registry(o.profileId);

  /** Why the board cannot be updated now (skipped), after waiting for its wake and its all-OK. */
  async function notReady(prefix: string, ctx: UpdateContext): Promise<string | undefined> {
    const entry = registry.get(prefix);
    if (entry && isSleeping(entry.state.state)) {
      if (!o.wakeWaitMs) return 'asleep (start the rollout with --wait-wake to update it at its next wake)';
      ctx.note(`${prefix} is asleep: continuing at its next wake`);
      try {
        await waitForWake(registry, prefix, { timeoutMs: o.wakeWaitMs, signal: ctx.signal });
      } catch (e) {
        return unlessCancelled(e);
      }
    }
    const s = (await whenOnline(registry, prefix, o.gate.onlineWithinS * 1000, ctx.signal)) ?? registry.get(prefix)?.status;
    if (!s?.online) return s ? 'offline' : 'no status on the broker (gone?)';
    if (s.safeMode) return `in safe mode (${s.safeReason || '?'}): fix it first`;
    return resetUnsafe(registry, prefix, o.gate.confirmWithinS * 1000, ctx);
  }

  async function update(board: Board, prefix: string, ctx: UpdateContext): Promise<BoardOutcome> {
    const timing = { signal: ctx.signal, timeoutMs: o.timeoutMs };
    const signed = { ...timing, ...(o.sign && { sign: o.sign }) };
    const bfs = new BoardFs(board, timing);
    const plan = await planBoardSync(bfs, o.specText, o.specDir);
    const puts = plan.filter((a) => a.op === 'put');
    if (puts.length === 0) return { kind: 'skipped', reason: 'already has every file of the spec' };
    // The previous file set, kept until the new one is healthy (null: the file is new).
    const previous = new Map<string, Uint8Array | null>();
    for (const a of puts) previous.set(a.target, a.reason === 'new' ? null : (await getFile(board, a.target, timing)).data);
    await runSync(bfs, plan, o.specDir, signed);
    ctx.uploaded();
    const verdict = await gate(board, prefix, ctx);
    if (verdict.kind !== 'failed') return verdict;
    ctx.note(`${prefix}: ${verdict.reason}; putting its previous files back`);
    let lastError = '';
    // A boot whose app failed resets itself at its all-OK time: a restore it cuts short is done again.
    for (let attempt = 0; attempt < RESTORE_ATTEMPTS; attempt++) {
      try {
        await whenOnline(registry, prefix, o.gate.onlineWithinS * 1000, ctx.signal);
        for (const [target, data] of previous) {
          if (data) await putFile(board, target, data, signed);
          else if (await bfs.exists(target)) await bfs.rm(target);
        }
        await resetAndWait(board, registry, { timeoutMs: o.gate.onlineWithinS * 1000, signal: ctx.signal });
        return { ...verdict, reason: `${verdict.reason}; previous files restored`, rolledBack: true };
      } catch (e) {
        lastError = unlessCancelled(e);
      }
    }
    return { ...verdict, reason: `${verdict.reason}; restoring its previous files failed: ${lastError}` };
  }

  async function gate(board: Board, prefix: string, ctx: UpdateContext): Promise<BoardOutcome> {
    try {
      await resetAndWait(board, registry, { timeoutMs: o.gate.onlineWithinS * 1000, signal: ctx.signal });
    } catch (e) {
      return { kind: 'failed', reason: unlessCancelled(e) };
    }
    const back = registry.get(prefix)?.status;
    if (!back) throw new MqbError('PROTOCOL', `${prefix}: its status disappeared after the reset`);
    const broken = failedModules(back);
    if (broken.length) return { kind: 'failed', reason: `app module(s) failed to start: ${broken.join('; ')}` };
    if (back.safeMode) return { kind: 'failed', reason: `came back in safe mode (${back.safeReason || '?'})` };
    ctx.note(`${prefix}: back with ${Object.keys(back.modules).join(', ') || 'no app modules'}; watching it for ${o.gate.stableS} s`);
    const unstable = await watchStable(registry, prefix, back, o.gate.stableS * 1000, ctx.signal);
    if (unstable) return { kind: 'failed', reason: unstable };
    return { kind: 'healthy', fw: appVersions(back) };
  }

  return {
    currentVersion: (prefix) => {
      const s = registry.get(prefix)?.status;
      return s ? appVersions(s) : undefined;
    },
    async update(prefix, ctx): Promise<BoardOutcome> {
      const why = await notReady(prefix, ctx);
      if (why) return { kind: 'skipped', reason: why };
      const board = o.engine.board(o.profileId, prefix, { timeoutMs: o.timeoutMs });
      // A battery board stays awake for the whole update (its wake lasts seconds), and is let go after.
      const stopAwake = keepAwake(board, { onError: () => undefined });
      try {
        return await update(board, prefix, ctx);
      } finally {
        stopAwake();
        if (canStayAwake(board)) void requestAwake(board, 0).catch(() => undefined);
      }
    },
  };
}
