import { describe, expect, it } from 'vitest';
import type { RolloutBoardView, RolloutView } from '../../src-main/common/contract.js';
import { boardsPerMinute, buttonsFor, failuresOf, parsePatterns, phaseCounts, waveState } from './rollout-figures.js';

const b = (prefix: string, phase: RolloutBoardView['phase'], at?: number, reason?: string): RolloutBoardView => ({ prefix, phase, ...(at !== undefined && { at }), ...(reason && { reason }) });
const view = (status: RolloutView['status'], runner: RolloutView['runner'], waves: RolloutBoardView[][]) => ({ status, runner, waves, createdAt: 0 });

describe('rollout figures', () => {
  it('counts a wave\'s boards per state and names the wave\'s state', () => {
    const wave = [b('a', 'healthy'), b('b', 'verifying'), b('c', 'pending'), b('d', 'rolled-back')];
    expect(phaseCounts(wave)).toEqual({ pending: 1, updating: 0, verifying: 1, healthy: 1, failed: 0, 'rolled-back': 1, skipped: 0 });
    expect(waveState(wave)).toBe('running');
    expect(waveState([b('a', 'pending')])).toBe('waiting');
    expect(waveState([b('a', 'healthy'), b('b', 'skipped')])).toBe('done');
  });

  it('gives the rate in boards per minute since the rollout was created, leaving skipped boards out', () => {
    expect(boardsPerMinute(view('running', 'here', [[b('a', 'updating', 5_000)]]))).toBeNull();
    expect(boardsPerMinute(view('done', 'none', [[b('a', 'healthy', 30_000)], [b('b', 'rolled-back', 90_000), b('c', 'healthy', 120_000), b('d', 'skipped', 125_000)]]))).toBeCloseTo(1.5);
  });

  it('lists the failed and rolled-back boards with their reasons', () => {
    const r = view('paused', 'none', [[b('a', 'rolled-back', 1, 'reset before confirming v3')], [b('b', 'skipped', 2, 'offline'), b('c', 'pending')]]);
    expect(failuresOf(r)).toEqual([b('a', 'rolled-back', 1, 'reset before confirming v3')]);
  });

  it('offers the buttons that apply to the rollout\'s state and to who runs it', () => {
    const canary = [[b('a', 'rolled-back')], [b('b', 'pending')]];
    expect(buttonsFor(view('paused', 'none', canary))).toEqual({ pause: false, resume: true, abort: true, retry: true });
    expect(buttonsFor(view('running', 'here', [[b('a', 'updating')]]))).toEqual({ pause: true, resume: false, abort: true, retry: false });
    // Its console died mid-rollout: resume here.
    expect(buttonsFor(view('running', 'none', canary))).toEqual({ pause: true, resume: true, abort: true, retry: true });
    // A CLI runs it: it can be asked to pause or abort, not resumed here.
    expect(buttonsFor(view('paused', 'other', canary))).toEqual({ pause: false, resume: false, abort: true, retry: false });
    expect(buttonsFor(view('done', 'none', [[b('a', 'healthy')]]))).toEqual({ pause: false, resume: false, abort: false, retry: false });
    expect(buttonsFor(view('failed', 'none', canary))).toEqual({ pause: false, resume: false, abort: false, retry: true });
    expect(buttonsFor(view('aborted', 'none', canary))).toEqual({ pause: false, resume: false, abort: false, retry: false });
  });

  it('reads patterns separated by spaces or commas', () => {
    expect(parsePatterns(' sim/*, lab/b1  lab/b2,')).toEqual(['sim/*', 'lab/b1', 'lab/b2']);
  });
});
