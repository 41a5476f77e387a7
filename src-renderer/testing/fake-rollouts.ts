// A rollout as main shows it (rollouts.get, rollouts.changed), for the UI's unit tests.
import type { RolloutView } from '../../src-main/common/contract.js';

export function rolloutView(id: string, over: Partial<RolloutView> = {}): RolloutView {
  return {
    id, createdAt: 1_000, updatedAt: 1_000, status: 'running', kind: 'firmware', what: 'firmware v2 (fw.bin)', version: 'v2', size: 100_000, patterns: ['sim/*'], waveSizes: '1,100%',
    gate: { onlineWithinS: 40, confirmWithinS: 40, stableS: 1 }, threshold: { maxBoards: 0, maxPercent: 100 }, concurrency: 4, boards: 2, runner: 'here', profileId: 'demo',
    waves: [[{ prefix: 'sim/a', phase: 'updating' }], [{ prefix: 'sim/b', phase: 'pending' }]], ...over,
  };
}
