// What the rollout view shows that the state does not hold as such: per-wave counts, the rate
// (boards finished per minute), the failures with their reasons, and which buttons apply.
import type { RolloutBoardView, RolloutView } from '../../src-main/common/contract.js';
import { BOARD_PHASES } from '../../src-main/common/contract.js';

export type Phase = RolloutBoardView['phase'];
const FINISHED: ReadonlySet<Phase> = new Set(['healthy', 'failed', 'rolled-back', 'skipped']);
const FAILED: ReadonlySet<Phase> = new Set(['failed', 'rolled-back']);

export function phaseCounts(boards: readonly RolloutBoardView[]): Record<Phase, number> {
  const counts = Object.fromEntries(BOARD_PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  for (const b of boards) counts[b.phase]++;
  return counts;
}

/** A wave's state in one word: waiting (nothing started), running, or done. */
export function waveState(boards: readonly RolloutBoardView[]): 'waiting' | 'running' | 'done' {
  if (boards.every((b) => FINISHED.has(b.phase))) return 'done';
  return boards.every((b) => b.phase === 'pending') ? 'waiting' : 'running';
}

/** Boards finished (skipped ones aside: they take no time) per minute since the rollout was created; null before the first. */
export function boardsPerMinute(r: Pick<RolloutView, 'createdAt' | 'waves'>): number | null {
  const done = r.waves.flat().filter((b) => FINISHED.has(b.phase) && b.phase !== 'skipped' && b.at !== undefined);
  if (done.length === 0) return null;
  const last = Math.max(...done.map((b) => b.at!));
  const minutes = Math.max(last - r.createdAt, 1_000) / 60_000;
  return done.length / minutes;
}

export function failuresOf(r: Pick<RolloutView, 'waves'>): RolloutBoardView[] {
  return r.waves.flat().filter((b) => FAILED.has(b.phase));
}

export interface RolloutButtons {
  pause: boolean;
  resume: boolean;
  abort: boolean;
  retry: boolean;
}

/** Which operator actions make sense now (main refuses the others with a reason anyway). */
export function buttonsFor(r: Pick<RolloutView, 'status' | 'runner' | 'waves'>): RolloutButtons {
  const open = r.status === 'running' || r.status === 'paused';
  // Running with nobody running it: its console died; resume picks it up here.
  const stranded = r.status === 'running' && r.runner === 'none';
  const redo = r.waves.flat().some((b) => FAILED.has(b.phase) || b.phase === 'skipped');
  return {
    pause: r.status === 'running',
    resume: r.runner !== 'other' && (r.status === 'paused' || stranded),
    abort: open,
    retry: r.runner !== 'other' && redo && r.status !== 'aborted' && (r.status !== 'running' || stranded),
  };
}

/** `sim/* lab/b1,lab/b2` → the patterns. */
export const parsePatterns = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);
