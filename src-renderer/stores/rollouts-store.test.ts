import { beforeEach, describe, expect, it } from 'vitest';
import { rolloutView } from '../testing/fake-rollouts.js';
import { EMPTY_DRAFT, useRollouts } from './rollouts-store.js';

beforeEach(() => useRollouts.setState({ draft: EMPTY_DRAFT, summaries: {}, order: [], selected: null, views: {}, busy: {}, actionError: {} }));

describe('the rollouts store', () => {
  it('lists rollouts newest first, and a new one from an event joins the list', () => {
    const { waves: _a, ...older } = rolloutView('r1', { createdAt: 1 });
    const { waves: _b, ...newer } = rolloutView('r2', { createdAt: 2 });
    useRollouts.getState().setList([older, newer]);
    expect(useRollouts.getState().order).toEqual(['r2', 'r1']);
    useRollouts.getState().putView(rolloutView('r3', { createdAt: 3, status: 'paused' }));
    expect(useRollouts.getState().order).toEqual(['r3', 'r2', 'r1']);
    expect(useRollouts.getState().summaries.r3).toMatchObject({ status: 'paused', boards: 2 });
    expect(useRollouts.getState().summaries.r3).not.toHaveProperty('waves');
  });

  it('keeps the newer state when an older answer arrives after an event', () => {
    const s = useRollouts.getState();
    s.putView(rolloutView('r1', { updatedAt: 5, status: 'paused', reason: 'the canary failed' }));
    s.putView(rolloutView('r1', { updatedAt: 4, status: 'running' }));
    expect(useRollouts.getState().views.r1).toMatchObject({ status: 'paused', reason: 'the canary failed' });
    expect(useRollouts.getState().summaries.r1?.status).toBe('paused');
    s.putView(rolloutView('r1', { updatedAt: 5, status: 'paused', runner: 'none' }));
    expect(useRollouts.getState().views.r1?.runner).toBe('none');
  });

  it('keeps a button\'s error per rollout until the next action', () => {
    const s = useRollouts.getState();
    s.setBusy('r1', 'resume');
    expect(useRollouts.getState().busy.r1).toBe('resume');
    s.setBusy('r1', undefined, 'rollout r1 is running in process 42');
    expect(useRollouts.getState()).toMatchObject({ busy: { r1: undefined }, actionError: { r1: 'rollout r1 is running in process 42' } });
    s.setBusy('r1', 'abort');
    expect(useRollouts.getState().actionError.r1).toBeUndefined();
  });
});
