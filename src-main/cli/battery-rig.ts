// A sleeping virtual board (real firmware, real MicroPython worker) with a console beside it: the
// engine's fleet registry (whose state changes are recorded with their time, as the UI would see
// them), its wake queue, and the CLI run in-process against the same broker.
import * as path from 'node:path';
import type { FirmwareRig } from '../../board/tests/firmware-harness.js';
import { startRig, until } from '../../board/tests/firmware-harness.js';
import type { BoardState } from '../common/board-state.js';
import { resolveConnection } from '../core/broker-profile.js';
import { Engine } from '../core/engine.js';
import { makeTempDir } from '../sim/test-boards.js';
import type { BrokerKind } from '../testing/brokers.js';
import type { CliRun } from './cli-test-io.js';
import { runTestCli } from './cli-test-io.js';

export interface StateChange {
  state: BoardState;
  at: number;
  /** How many messages the test peer had seen then (an index into rig.seen). */
  seen: number;
}

export interface BatteryRig {
  rig: FirmwareRig;
  prefix: string;
  engine: Engine;
  profileId: string;
  /** The registry's state changes for the board, in order (repeats folded). */
  states: StateChange[];
  cli(args: string[]): Promise<CliRun>;
  /** Statuses the board published, parsed, in order, with their index in rig.seen. */
  statuses(): Array<Record<string, unknown> & { index: number }>;
  /** Waits for the board's next transition into `state` (one that happens after the call). */
  next(state: BoardState, timeoutMs: number): Promise<StateChange>;
  close(): Promise<void>;
}

export async function startBatteryRig(kind: BrokerKind, boardConfig: Record<string, unknown>): Promise<BatteryRig> {
  const rig = await startRig({ kind, boardConfig });
  const prefix = rig.prefixes[0]!;
  const env = { MQBOARD_SERVER: rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw', MQBOARD_HISTORY: path.join(makeTempDir(), 'history') };
  const profile = resolveConnection({}, env).profile;
  const engine = new Engine();
  await engine.connect(profile);
  const states: StateChange[] = [];
  engine.registry(profile.id).on('board-changed', (e) => {
    if (e.prefix === prefix && states.at(-1)?.state !== e.state.state) states.push({ state: e.state.state, at: Date.now(), seen: rig.seen.length });
  });
  const statusTopic = `${prefix}/mqb/status`;
  return {
    rig, prefix, engine, states,
    profileId: profile.id,
    cli: (args) => runTestCli(args, env),
    statuses: () => rig.seen.flatMap((m, index) => (m.topic === statusTopic && m.payload.length ? [{ ...(JSON.parse(m.payload.toString()) as Record<string, unknown>), index }] : [])),
    async next(state, timeoutMs) {
      const from = states.length;
      return until(`${prefix} ${state}`, () => states.slice(from).find((s) => s.state === state), timeoutMs);
    },
    async close() {
      await engine.close();
      await rig.close();
    },
  };
}
