import { describe, expect, it } from 'vitest';
import { parseBoardStatus } from '../common/board-status.js';
import type { BoardEntry } from '../core/fleet-registry.js';
import { fittingView } from './board-view.js';

const entry = (status: Record<string, unknown>): BoardEntry => ({
  prefix: 'sim/sim-01', status: parseBoardStatus('sim/sim-01', JSON.stringify(status)), lastSeen: 1, state: { state: 'online' },
}) as BoardEntry;

describe('board view', () => {
  it('carries the board\'s tags into the snapshot, and a hostile list never drops the board', () => {
    expect(fittingView(entry({ proto: 2, tags: ['kitchen', 'battery'] }))?.tags).toEqual(['kitchen', 'battery']);
    const hostile = fittingView(entry({ proto: 2, tags: [...Array.from({ length: 50 }, (_, i) => `t${i}`), 'x'.repeat(5000), 42] }), () => undefined);
    expect(hostile?.tags).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
    expect(fittingView(entry({ proto: 2 }))).not.toHaveProperty('tags');
  });
});
