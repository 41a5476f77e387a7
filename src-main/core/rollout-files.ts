// The BoardUpdater of a file-set rollout (a new app version as a sync spec): the files of the
// spec that differ are sent as `mqboard sync` sends them, after the board's current copies were
// read back and kept; then the board is reset and gated (back within T, no app module failed to
// start, no safe mode, then up for M without a crash or reset: set M above the board's
// `watchdog.allok`, whose verdict resets a boot whose modules failed). A board that fails the
// gate gets its previous files back (and loses the new ones), and is reset into them.
import { MqbError, isMqbError } from '../common/errors.js';
import type { BoardStatus } from '../common/board-status.js';
import type { HealthGate } from '../common/rollout-plan.js';
import { resetAndWait } from './board-restart.js';
import type { Engine } from './engine.js';
import { getFile, putFile } from './file-transfer.js';
import { BoardFs } from './fs-ops.js';
import type { BoardOutcome, BoardUpdater, UpdateContext } from './rollout-engine.js';
import { watchStable, whenBootConfirmed, whenOnline } from './rollout-gate.js';
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
}

const RESTORE_ATTEMPTS = 3;
/** A file set's "version" on a board: its app modules and their versions (`fwcheck 2.0, blinky 1.1`). */
const appVersions = (s: BoardStatus) => Object.entries(s.modules).map(([k, v]) => `${k} ${v}`).join(', ');
const failedModules = (s: BoardStatus) => Object.entries(s.modules).filter(([, v]) => v.startsWith('failed')).map(([k, v]) => `${k} ${v}`);

export function filesUpdater(o: FilesUpdaterOptions): BoardUpdater {
  const registry = o.engine.registry(o.profileId);
  return {
    currentVersion: (prefix) => {
      const s = registry.get(prefix)?.status;
      return s ? appVersions(s) : undefined;
    },
    async update(prefix, ctx): Promise<BoardOutcome> {
      const s = (await whenOnline(registry, prefix, o.gate.onlineWithinS * 1000, ctx.signal)) ?? registry.get(prefix)?.status;
      if (!s?.online) return { kind: 'skipped', reason: s ? 'offline' : 'no status on the broker (gone?)' };
      if (s.safeMode) return { kind: 'skipped', reason: `in safe mode (${s.safeReason || '?'}): fix it first` };
      if (s.failedBoots > 0) {
        ctx.note(`${prefix}: waiting for its boot to reach all OK before resetting it`);
        if (!(await whenBootConfirmed(registry, prefix, o.gate.confirmWithinS * 1000, ctx.signal))) {
          return { kind: 'skipped', reason: `its boot did not reach all OK within ${o.gate.confirmWithinS} s (${registry.get(prefix)?.status?.failedBoots ?? '?'} unconfirmed boot(s)): a reset now could send it to safe mode` };
        }
      }
      const board = o.engine.board(o.profileId, prefix, { timeoutMs: o.timeoutMs });
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
      const verdict = await gateFiles(board, prefix, o, ctx);
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
          if (isMqbError(e) && e.code === 'CANCELLED') throw e;
          lastError = e instanceof Error ? e.message : String(e);
        }
      }
      return { ...verdict, reason: `${verdict.reason}; restoring its previous files failed: ${lastError}` };
    },
  };

  async function gateFiles(board: ReturnType<FilesUpdaterOptions['engine']['board']>, prefix: string, opts: FilesUpdaterOptions, ctx: UpdateContext): Promise<BoardOutcome> {
    try {
      await resetAndWait(board, registry, { timeoutMs: opts.gate.onlineWithinS * 1000, signal: ctx.signal });
    } catch (e) {
      if (isMqbError(e) && e.code === 'CANCELLED') throw e;
      return { kind: 'failed', reason: e instanceof Error ? e.message : String(e) };
    }
    const back = registry.get(prefix)?.status;
    if (!back) throw new MqbError('PROTOCOL', `${prefix}: its status disappeared after the reset`);
    const broken = failedModules(back);
    if (broken.length) return { kind: 'failed', reason: `app module(s) failed to start: ${broken.join('; ')}` };
    if (back.safeMode) return { kind: 'failed', reason: `came back in safe mode (${back.safeReason || '?'})` };
    ctx.note(`${prefix}: back with ${Object.keys(back.modules).join(', ') || 'no app modules'}; watching it for ${opts.gate.stableS} s`);
    const unstable = await watchStable(registry, prefix, back, opts.gate.stableS * 1000, ctx.signal);
    if (unstable) return { kind: 'failed', reason: unstable };
    return { kind: 'healthy', fw: appVersions(back) };
  }
}
