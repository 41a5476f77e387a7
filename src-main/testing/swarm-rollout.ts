// A firmware rollout run the way `mqboard rollout start` runs it (RolloutRunner + the firmware
// updater on a real Engine), for swarm tests and the rollout bench: the state is kept in memory.
import { createHash } from 'node:crypto';
import type { HealthGate, RolloutDefinition, WaveSize } from '../common/rollout-plan.js';
import { DEFAULT_THRESHOLD, newRolloutId } from '../common/rollout-plan.js';
import type { Rollout } from '../common/rollout-state.js';
import { createRollout } from '../common/rollout-state.js';
import type { Engine } from '../core/engine.js';
import { firmwareUpdater } from '../core/rollout-firmware.js';
import { RolloutRunner } from '../core/rollout-engine.js';

export interface SwarmRolloutOptions {
  image: Uint8Array;
  version: string;
  targets: string[];
  waves: WaveSize[];
  gate: HealthGate;
  concurrency: number;
  timeoutMs?: number;
}

/** Runs the rollout to its end; resolves with its final state and how long it took. */
export async function runFirmwareRollout(engine: Engine, profileId: string, o: SwarmRolloutOptions): Promise<{ rollout: Rollout; ms: number }> {
  const sha256 = createHash('sha256').update(o.image).digest('hex');
  const now = Date.now();
  const def: RolloutDefinition = {
    id: newRolloutId(now), createdAt: now, patterns: o.targets, waves: o.waves, gate: o.gate, threshold: DEFAULT_THRESHOLD, concurrency: o.concurrency,
    what: { kind: 'firmware', file: 'swarm.bin', sha256, size: o.image.length, version: o.version, project: 'mqboard' },
  };
  const updater = firmwareUpdater({ engine, profileId, image: o.image, sha256, version: o.version, gate: o.gate, timeoutMs: o.timeoutMs ?? 10_000 });
  const runner = new RolloutRunner(createRollout(def, o.targets, now), { updater, store: { save: async () => undefined } });
  const started = performance.now();
  const rollout = await runner.run();
  return { rollout, ms: performance.now() - started };
}
