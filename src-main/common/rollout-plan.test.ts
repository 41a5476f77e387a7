import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GATE, DEFAULT_THRESHOLD, DEFAULT_WAVES, RolloutPlanError, assignWaves, exceedsThreshold, formatWaves, describeTargets, newRolloutId, parseThreshold, parseWaves, selectTargets,
} from './rollout-plan.js';
import type { RolloutDefinition } from './rollout-plan.js';
import { boardsToStart, createRollout, currentWave, reduce, summarize } from './rollout-state.js';
import type { Rollout, RolloutEvent } from './rollout-state.js';

const boards = (n: number) => Array.from({ length: n }, (_, i) => `sim/b${String(i + 1).padStart(2, '0')}`);

function def(over: Partial<RolloutDefinition> = {}): RolloutDefinition {
  return {
    id: 'r1', createdAt: 0, patterns: ['sim/*'], waves: DEFAULT_WAVES, gate: DEFAULT_GATE, threshold: DEFAULT_THRESHOLD, concurrency: 4,
    what: { kind: 'firmware', file: 'fw.bin', sha256: 'ab', size: 100, version: 'v2', project: 'mp' },
    ...over,
  };
}

const run = (r: Rollout, ...events: RolloutEvent[]) => events.reduce((acc, e) => reduce(acc, e, 1), r);
const ok = (prefix: string): RolloutEvent[] => [{ type: 'board-started', prefix }, { type: 'board-uploaded', prefix }, { type: 'board-healthy', prefix, fw: 'v2' }];

describe('rollout planning', () => {
  it('parses waves as board counts and percentages, and refuses nonsense', () => {
    expect(parseWaves('1, 10%,100%')).toEqual([{ count: 1 }, { percent: 10 }, { percent: 100 }]);
    expect(formatWaves(parseWaves('2,50%'))).toBe('2,50%');
    for (const bad of ['', '1,,2', '0', '1.5', '150%', 'x', '-1']) expect(() => parseWaves(bad), bad).toThrow(RolloutPlanError);
  });

  it('parses failure thresholds as boards, a share, or both', () => {
    expect(parseThreshold('2')).toEqual({ maxBoards: 2, maxPercent: 100 });
    expect(parseThreshold('10%')).toEqual({ maxBoards: Number.MAX_SAFE_INTEGER, maxPercent: 10 });
    expect(parseThreshold('1,25%')).toEqual({ maxBoards: 1, maxPercent: 25 });
    expect(() => parseThreshold('lots')).toThrow(/threshold/);
    expect(exceedsThreshold(1, 10, { maxBoards: 0, maxPercent: 100 })).toBe(true);
    expect(exceedsThreshold(2, 10, { maxBoards: 2, maxPercent: 100 })).toBe(false);
    expect(exceedsThreshold(3, 10, { maxBoards: 2, maxPercent: 100 })).toBe(true);
    expect(exceedsThreshold(3, 10, { maxBoards: 99, maxPercent: 25 })).toBe(true);
    expect(exceedsThreshold(2, 10, { maxBoards: 99, maxPercent: 25 })).toBe(false);
    expect(exceedsThreshold(0, 10, { maxBoards: 0, maxPercent: 0 })).toBe(false);
  });

  it('selects targets by exact prefix and one-level globs, sorted and unique', () => {
    const known = ['sim/b2', 'sim/b1', 'lab/x/b3', 'sim/deep/b4'];
    expect(selectTargets(known, ['sim/*'])).toEqual(['sim/b1', 'sim/b2']);
    expect(selectTargets(known, ['lab/x/b3', 'sim/b?', 'sim/b1'])).toEqual(['lab/x/b3', 'sim/b1', 'sim/b2']);
    expect(selectTargets(known, ['nope/*'])).toEqual([]);
  });

  it('selects targets by tag: every tag asked for, within the patterns when there are any', () => {
    const known = [
      { prefix: 'sim/b2', tags: ['kitchen', 'battery'] }, { prefix: 'sim/b1', tags: ['kitchen'] },
      { prefix: 'lab/b3', tags: ['kitchen'] }, { prefix: 'sim/b4' }, 'sim/b5',
    ];
    expect(selectTargets(known, [], ['kitchen'])).toEqual(['lab/b3', 'sim/b1', 'sim/b2']);
    expect(selectTargets(known, [], ['kitchen', 'battery'])).toEqual(['sim/b2']);
    expect(selectTargets(known, ['sim/*'], ['kitchen'])).toEqual(['sim/b1', 'sim/b2']);
    expect(selectTargets(known, ['sim/*'])).toEqual(['sim/b1', 'sim/b2', 'sim/b4', 'sim/b5']);
    expect(selectTargets(known, [], ['garage'])).toEqual([]);
    expect(() => selectTargets(known, [], [])).toThrow(RolloutPlanError);
    expect(describeTargets({ patterns: ['sim/*'], tags: ['kitchen'] })).toBe('sim/* tag:kitchen');
    expect(describeTargets({ patterns: ['sim/b1'] })).toBe('sim/b1');
  });

  it('splits boards into a canary, a share and the rest; the last wave takes what is left', () => {
    expect(assignWaves(boards(20), DEFAULT_WAVES).map((w) => w.length)).toEqual([1, 2, 17]);
    expect(assignWaves(boards(6), DEFAULT_WAVES).map((w) => w.length)).toEqual([1, 1, 4]);
    expect(assignWaves(boards(1), DEFAULT_WAVES)).toEqual([['sim/b01']]);
    expect(assignWaves(boards(5), [{ count: 2 }])).toEqual([boards(5)]);
    expect(assignWaves(boards(5), [{ count: 1 }, { count: 1 }, { percent: 10 }]).map((w) => w.length)).toEqual([1, 1, 3]);
    expect(assignWaves(boards(3), [{ count: 5 }, { percent: 100 }]).map((w) => w.length)).toEqual([3]);
  });

  it('makes ids that sort by creation time', () => {
    expect(newRolloutId(Date.UTC(2026, 11, 7, 10, 5, 3), () => 0.5)).toBe('20261207T100503Z-8000');
  });
});

describe('rollout state', () => {
  it('runs the canary alone, then the next waves, and is done when every board is healthy', () => {
    let r = createRollout(def(), boards(6), 0);
    expect(r.status).toBe('running');
    expect(boardsToStart(r)).toEqual(['sim/b01']);
    r = run(r, { type: 'board-started', prefix: 'sim/b01', fromFw: 'v1' });
    expect(boardsToStart(r)).toEqual([]); // the canary is in flight: nothing else starts
    r = run(r, { type: 'board-uploaded', prefix: 'sim/b01' });
    expect(r.boards['sim/b01']).toMatchObject({ phase: 'verifying', fromFw: 'v1' });
    r = run(r, { type: 'board-healthy', prefix: 'sim/b01', fw: 'v2' });
    expect(currentWave(r)).toBe(1);
    expect(boardsToStart(r)).toEqual(['sim/b02']);
    r = run(r, ...ok('sim/b02'));
    expect(boardsToStart(r)).toEqual(['sim/b03', 'sim/b04', 'sim/b05', 'sim/b06']);
    r = run(r, ...ok('sim/b03'), ...ok('sim/b04'), ...ok('sim/b05'));
    expect(r.status).toBe('running');
    r = run(r, ...ok('sim/b06'));
    expect(r.status).toBe('done');
    expect(summarize(r).map((w) => w.counts.healthy)).toEqual([1, 1, 4]);
  });

  it('keeps at most `concurrency` boards of a wave in flight', () => {
    let r = createRollout(def({ waves: [{ percent: 100 }], concurrency: 2 }), boards(5), 0);
    expect(boardsToStart(r)).toEqual(['sim/b01', 'sim/b02']);
    r = run(r, { type: 'board-started', prefix: 'sim/b01' }, { type: 'board-started', prefix: 'sim/b02' });
    expect(boardsToStart(r)).toEqual([]);
    r = run(r, { type: 'board-healthy', prefix: 'sim/b01' });
    expect(boardsToStart(r)).toEqual(['sim/b03']);
  });

  it('pauses after a failed canary, with the reason, and starts no other board', () => {
    let r = createRollout(def(), boards(6), 0);
    r = run(r, { type: 'board-started', prefix: 'sim/b01' }, { type: 'board-failed', prefix: 'sim/b01', reason: 'rolled back to v1', rolledBack: true, fw: 'v1' });
    expect(r.status).toBe('paused');
    expect(r.reason).toMatch(/1 of 1 board\(s\) failed in the canary: sim\/b01 \(rolled back to v1\)/);
    expect(r.boards['sim/b01']).toMatchObject({ phase: 'rolled-back', fw: 'v1' });
    expect(boardsToStart(r)).toEqual([]);
    expect(Object.values(r.boards).filter((b) => b.phase === 'pending')).toHaveLength(5);
  });

  it('tolerates failures up to the threshold, then ends failed rather than done', () => {
    let r = createRollout(def({ waves: [{ percent: 100 }], threshold: { maxBoards: 1, maxPercent: 100 } }), boards(3), 0);
    r = run(r, ...ok('sim/b01'), { type: 'board-started', prefix: 'sim/b02' }, { type: 'board-failed', prefix: 'sim/b02', reason: 'offline' });
    expect(r.status).toBe('running');
    r = run(r, ...ok('sim/b03'));
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/1 board\(s\) failed: sim\/b02/);
  });

  it('pauses on a share of the wave', () => {
    let r = createRollout(def({ waves: [{ percent: 100 }], threshold: { maxBoards: 99, maxPercent: 30 } }), boards(4), 0);
    r = run(r, { type: 'board-failed', prefix: 'sim/b01', reason: 'x' });
    expect(r.status).toBe('running'); // 25 %
    r = run(r, { type: 'board-failed', prefix: 'sim/b02', reason: 'y' });
    expect(r.status).toBe('paused'); // 50 %
  });

  it('resumes: boards caught in flight start over, finished ones are never redone', () => {
    let r = createRollout(def({ waves: [{ percent: 100 }] }), boards(3), 0);
    r = run(r, ...ok('sim/b01'), { type: 'board-started', prefix: 'sim/b02' }, { type: 'pause', reason: 'Ctrl-C' });
    expect(r).toMatchObject({ status: 'paused', reason: 'Ctrl-C' });
    expect(boardsToStart(r)).toEqual([]);
    r = run(r, { type: 'resume' });
    expect(r.status).toBe('running');
    expect(r.boards['sim/b02']!.phase).toBe('pending');
    expect(boardsToStart(r)).toEqual(['sim/b02', 'sim/b03']);
    expect(r.boards['sim/b01']!.phase).toBe('healthy');
  });

  it('a paused canary failure resumed moves on to the next wave; retry-failed does the canary again', () => {
    let r = createRollout(def(), boards(6), 0);
    r = run(r, { type: 'board-failed', prefix: 'sim/b01', reason: 'crash', rolledBack: true });
    expect(run(r, { type: 'resume' }).status).toBe('running');
    expect(boardsToStart(run(r, { type: 'resume' }))).toEqual(['sim/b02']);
    const retried = run(r, { type: 'retry-failed' });
    expect(retried.status).toBe('running');
    expect(retried.boards['sim/b01']).toMatchObject({ phase: 'pending', reason: undefined });
    expect(boardsToStart(retried)).toEqual(['sim/b01']);
  });

  it('abort stops for good; pause and resume do not revive it', () => {
    let r = createRollout(def(), boards(3), 0);
    r = run(r, { type: 'board-started', prefix: 'sim/b01' }, { type: 'abort' });
    expect(r).toMatchObject({ status: 'aborted', reason: 'aborted by the operator' });
    expect(run(r, { type: 'resume' }).status).toBe('aborted');
    expect(run(r, { type: 'retry-failed' }).status).toBe('aborted');
    expect(boardsToStart(r)).toEqual([]);
  });

  it('skipped boards count as finished, not failed', () => {
    let r = createRollout(def({ waves: [{ percent: 100 }] }), boards(2), 0);
    r = run(r, { type: 'board-skipped', prefix: 'sim/b01', reason: 'already runs v2' }, ...ok('sim/b02'));
    expect(r.status).toBe('done');
    expect(createRollout(def(), [], 0).status).toBe('done');
  });
});
