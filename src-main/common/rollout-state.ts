// A rollout's state and the pure reducer that moves it: per-board phases, the wave in progress,
// the failure threshold that pauses it, and the operator's pause / resume / abort / retry. The
// engine (core/rollout-engine.ts) does the work and reports it here as events; the store persists
// the result after every event, so a restarted console continues from it. Pure TypeScript.
import { assignWaves, exceedsThreshold } from './rollout-plan.js';
import type { RolloutDefinition } from './rollout-plan.js';

export type BoardPhase = 'pending' | 'updating' | 'verifying' | 'healthy' | 'failed' | 'rolled-back' | 'skipped';
export type RolloutStatus = 'running' | 'paused' | 'done' | 'failed' | 'aborted';

export interface BoardRecord {
  prefix: string;
  /** Index into Rollout.waves. */
  wave: number;
  phase: BoardPhase;
  /** Why it failed, rolled back or was skipped; for people. */
  reason?: string;
  /** The version it ran before, and the one it runs now (from its status). */
  fromFw?: string;
  fw?: string;
  /** ms since the epoch of the last change. */
  at?: number;
}

export interface Rollout {
  def: RolloutDefinition;
  /** The waves' prefixes, fixed when the rollout was created. */
  waves: string[][];
  boards: Record<string, BoardRecord>;
  status: RolloutStatus;
  /** Why it paused, failed or was aborted. */
  reason?: string;
  updatedAt: number;
}

export type RolloutEvent =
  | { type: 'board-started'; prefix: string; fromFw?: string }
  | { type: 'board-uploaded'; prefix: string }
  | { type: 'board-healthy'; prefix: string; fw?: string }
  | { type: 'board-failed'; prefix: string; reason: string; rolledBack?: boolean; fw?: string }
  | { type: 'board-skipped'; prefix: string; reason: string }
  | { type: 'pause'; reason: string }
  | { type: 'resume' }
  | { type: 'abort'; reason?: string }
  | { type: 'retry-failed' };

const TERMINAL: ReadonlySet<BoardPhase> = new Set(['healthy', 'failed', 'rolled-back', 'skipped']);
const FAILED: ReadonlySet<BoardPhase> = new Set(['failed', 'rolled-back']);
export const isTerminal = (p: BoardPhase): boolean => TERMINAL.has(p);
export const isFailed = (p: BoardPhase): boolean => FAILED.has(p);
/** Whether the rollout will not move again unless the operator says so (resume, retry). */
export const isFinished = (s: RolloutStatus): boolean => s === 'done' || s === 'failed' || s === 'aborted';

export function createRollout(def: RolloutDefinition, targets: readonly string[], now: number): Rollout {
  const waves = assignWaves(targets, def.waves);
  const boards: Record<string, BoardRecord> = {};
  waves.forEach((group, wave) => group.forEach((prefix) => (boards[prefix] = { prefix, wave, phase: 'pending' })));
  return { def, waves, boards, status: waves.length ? 'running' : 'done', updatedAt: now };
}

const recordsOf = (r: Rollout, wave: number): BoardRecord[] => (r.waves[wave] ?? []).map((p) => r.boards[p]!);

/** The first wave with a board not finished, or waves.length when all are. */
export function currentWave(r: Rollout): number {
  const i = r.waves.findIndex((_, w) => recordsOf(r, w).some((b) => !isTerminal(b.phase)));
  return i < 0 ? r.waves.length : i;
}

/** The boards to start now: pending boards of the current wave, up to `concurrency` in flight. */
export function boardsToStart(r: Rollout): string[] {
  if (r.status !== 'running') return [];
  const records = recordsOf(r, currentWave(r));
  const inFlight = records.filter((b) => b.phase === 'updating' || b.phase === 'verifying').length;
  return records.filter((b) => b.phase === 'pending').slice(0, Math.max(0, r.def.concurrency - inFlight)).map((b) => b.prefix);
}

export interface WaveSummary {
  wave: number;
  size: number;
  counts: Record<BoardPhase, number>;
}

export function summarize(r: Rollout): WaveSummary[] {
  return r.waves.map((_, wave) => {
    const counts: Record<BoardPhase, number> = { pending: 0, updating: 0, verifying: 0, healthy: 0, failed: 0, 'rolled-back': 0, skipped: 0 };
    for (const b of recordsOf(r, wave)) counts[b.phase]++;
    return { wave, size: r.waves[wave]!.length, counts };
  });
}

function setBoard(r: Rollout, prefix: string, patch: Partial<BoardRecord>, now: number): Rollout {
  const b = r.boards[prefix];
  if (!b) return r;
  return { ...r, boards: { ...r.boards, [prefix]: { ...b, ...patch, at: now } }, updatedAt: now };
}

/** Once every board is finished: done, or failed when some did not make it. */
function settle(r: Rollout): Rollout {
  if (r.status !== 'running' || currentWave(r) < r.waves.length) return r;
  const failed = Object.values(r.boards).filter((b) => isFailed(b.phase));
  if (failed.length === 0) return { ...r, status: 'done' };
  return { ...r, status: 'failed', reason: `${failed.length} board(s) failed: ${failed.map((b) => b.prefix).join(', ')}` };
}

/** A failure that takes its wave over the threshold pauses the rollout (boards in flight finish). */
function checkThreshold(r: Rollout, wave: number): Rollout {
  if (r.status !== 'running') return r;
  const records = recordsOf(r, wave);
  const failed = records.filter((b) => isFailed(b.phase));
  if (!exceedsThreshold(failed.length, records.length, r.def.threshold)) return r;
  const name = wave === 0 && r.waves.length > 1 && records.length <= 1 ? 'the canary' : `wave ${wave + 1}`;
  return { ...r, status: 'paused', reason: `${failed.length} of ${records.length} board(s) failed in ${name}: ${failed.map((b) => `${b.prefix} (${b.reason ?? b.phase})`).join('; ')}` };
}

/** Boards caught mid-update (a pause, a crash of the console) are done again from the start. */
function requeueInFlight(r: Rollout, now: number): Rollout {
  let out = r;
  for (const b of Object.values(r.boards)) if (b.phase === 'updating' || b.phase === 'verifying') out = setBoard(out, b.prefix, { phase: 'pending' }, now);
  return out;
}

export function reduce(r: Rollout, e: RolloutEvent, now: number): Rollout {
  switch (e.type) {
    case 'board-started':
      return setBoard(r, e.prefix, { phase: 'updating', ...(e.fromFw !== undefined && { fromFw: e.fromFw }), reason: undefined }, now);
    case 'board-uploaded':
      return setBoard(r, e.prefix, { phase: 'verifying' }, now);
    case 'board-healthy':
      return settle(setBoard(r, e.prefix, { phase: 'healthy', reason: undefined, ...(e.fw !== undefined && { fw: e.fw }) }, now));
    case 'board-failed': {
      const out = setBoard(r, e.prefix, { phase: e.rolledBack ? 'rolled-back' : 'failed', reason: e.reason, ...(e.fw !== undefined && { fw: e.fw }) }, now);
      const wave = r.boards[e.prefix]?.wave;
      return settle(wave === undefined ? out : checkThreshold(out, wave));
    }
    case 'board-skipped':
      return settle(setBoard(r, e.prefix, { phase: 'skipped', reason: e.reason }, now));
    case 'pause':
      return r.status === 'running' ? { ...r, status: 'paused', reason: e.reason, updatedAt: now } : r;
    case 'resume':
      if (r.status !== 'paused' && r.status !== 'running') return r;
      return settle({ ...requeueInFlight(r, now), status: 'running', reason: undefined, updatedAt: now });
    case 'abort':
      if (isFinished(r.status)) return r;
      return { ...requeueInFlight(r, now), status: 'aborted', reason: e.reason ?? 'aborted by the operator', updatedAt: now };
    case 'retry-failed': {
      if (r.status === 'aborted') return r;
      let out = requeueInFlight(r, now);
      for (const b of Object.values(r.boards)) if (isFailed(b.phase) || b.phase === 'skipped') out = setBoard(out, b.prefix, { phase: 'pending', reason: undefined }, now);
      return settle({ ...out, status: 'running', reason: undefined, updatedAt: now });
    }
  }
}
