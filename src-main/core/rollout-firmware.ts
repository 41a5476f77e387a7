// The BoardUpdater of a firmware rollout: the same OTA upload as `mqboard ota` (resumable, with
// retries; progress on the engine's shared OtaEngine), then the health gate (rollout-gate.ts).
// Battery boards, with waitWake, are updated at their next wake (keep-awake.ts), as `ota --wait-wake`.
import { isSleeping } from '../common/board-state.js';
import { MqbError } from '../common/errors.js';
import type { HealthGate } from '../common/rollout-plan.js';
import type { Engine } from './engine.js';
import { wakeHooks } from './keep-awake.js';
import { otaEngineOf } from './ota-engine.js';
import type { BoardOutcome, BoardUpdater } from './rollout-engine.js';
import { firmwareGate, resetUnsafe, whenOnline } from './rollout-gate.js';
import type { Timers } from './board-watch.js';
import type { UpdateSigner } from '../common/signing.js';

export interface FirmwareUpdaterOptions {
  engine: Pick<Engine, 'registry' | 'board' | 'extension'>;
  profileId: string;
  image: Uint8Array;
  sha256: string;
  /** The image's version (esp_app_desc_t), what a healthy board reports as its fw. */
  version: string;
  gate: HealthGate;
  /** Silence after which a board is considered gone (the CLI's --timeout). */
  timeoutMs: number;
  attempts?: number;
  /** Signs the image (docs/signing.md). */
  sign?: UpdateSigner;
  /** Sleeping boards are waited for (each wait at most this long); without it they are skipped. */
  wakeWaitMs?: number;
  timers?: Timers;
}

export function firmwareUpdater(o: FirmwareUpdaterOptions): BoardUpdater {
  const registry = o.engine.registry(o.profileId);
  return {
    currentVersion: (prefix) => registry.get(prefix)?.status?.fw,
    async update(prefix, ctx): Promise<BoardOutcome> {
      let entry = registry.get(prefix);
      if (!entry?.status) return { kind: 'skipped', reason: 'no status on the broker (gone?)' };
      // Offline for a moment (a reset, e.g. of a board caught in flight when the rollout paused): wait for it.
      if (!entry.status.online && !isSleeping(entry.state.state) && (await whenOnline(registry, prefix, o.gate.onlineWithinS * 1000, ctx.signal))) entry = registry.get(prefix)!;
      const s = entry.status!;
      if (entry.original) return { kind: 'skipped', reason: 'runs the original firmware, which publishes no status: no health gate is possible' };
      if (s.online && o.version && s.fw === o.version && !s.pendingVerify) return { kind: 'skipped', reason: `already runs ${o.version}` };
      if (s.online && s.safeMode) return { kind: 'skipped', reason: `in safe mode (${s.safeReason || '?'}): its app does not run, so no health gate can pass` };
      const sleepy = isSleeping(entry.state.state);
      if (!s.online && !(sleepy && o.wakeWaitMs)) return { kind: 'skipped', reason: sleepy ? 'asleep (start the rollout with --wait-wake to update it at its next wake)' : 'offline' };
      const unsafe = s.online && (await resetUnsafe(registry, prefix, o.gate.confirmWithinS * 1000, ctx, o.timers));
      if (unsafe) return { kind: 'skipped', reason: unsafe };
      const board = o.engine.board(o.profileId, prefix, { timeoutMs: o.timeoutMs });
      let outcome: BoardOutcome | undefined;
      const [result] = await otaEngineOf(o.engine).start([{ board, image: o.image, sha256: o.sha256 }], {
        concurrency: 1,
        signal: ctx.signal,
        timeoutMs: o.timeoutMs,
        ...(o.attempts !== undefined && { attempts: o.attempts }),
        ...(o.sign && { sign: o.sign }),
        ...(o.wakeWaitMs && wakeHooks(() => registry, o.wakeWaitMs)),
        afterUpload: async (_job, r, signal) => {
          ctx.uploaded();
          outcome = await firmwareGate({
            board, registry, gate: o.gate, version: o.version, note: ctx.note,
            ...(r.partition && { partition: r.partition }), ...(signal && { signal }), ...(o.timers && { timers: o.timers }),
          });
        },
      });
      if (result?.error?.code === 'CANCELLED') throw new MqbError('CANCELLED', `update of ${prefix} cancelled`);
      if (!result?.ok || !outcome) return { kind: 'failed', reason: result?.error?.message ?? 'the upload failed' };
      return outcome;
    },
  };
}
