// Battery boards from the console's side, against real sleeping virtual boards (10 s asleep, 2 s
// awake) on both brokers: the fleet shows the board asleep between wakes (never offline), a board
// command without --wait-wake says it sleeps, and `eval --wait-wake` waits and runs once at the wake.
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirmwareRig } from '../../board/tests/firmware-harness.js';
import { lastStatus, startRig, until } from '../../board/tests/firmware-harness.js';
import { EXIT_CODES } from '../common/errors.js';
import { resolveConnection } from '../core/broker-profile.js';
import { Engine } from '../core/engine.js';
import { makeTempDir } from '../sim/test-boards.js';
import { BROKER_KINDS } from '../testing/brokers.js';
import { runTestCli } from './cli-test-io.js';

describe.each(BROKER_KINDS)('battery boards in the console on %s', (kind) => {
  let rig: FirmwareRig;
  let env: Record<string, string>;
  let prefix: string;
  const engine = new Engine();
  const states: string[] = [];
  const cli = (args: string[]) => runTestCli(args, env);

  beforeAll(async () => {
    rig = await startRig({ kind, boardConfig: { sleep: { period: 10, awake: 2 } } });
    prefix = rig.prefixes[0]!;
    env = { MQBOARD_SERVER: rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw', MQBOARD_HISTORY: path.join(makeTempDir(), 'history') };
    const profile = resolveConnection({}, env).profile;
    await engine.connect(profile);
    engine.registry(profile.id).on('board-changed', (e) => {
      if (e.prefix === prefix && states.at(-1) !== e.state.state) states.push(e.state.state);
    });
    await rig.fleet.start();
    await until('the first sleep', () => lastStatus(rig, prefix)?.asleep === true, 60_000);
  }, 90_000);
  afterAll(async () => {
    await engine.close();
    await rig?.close();
  });

  it('shows the board asleep between wakes, never offline or overdue, and in `fleet --json`', async () => {
    await until('two more wakes', () => states.filter((s) => s === 'online').length >= 2 && states.at(-1) === 'asleep', 40_000);
    expect(states.filter((s) => s === 'offline' || s === 'overdue')).toEqual([]);
    const fleet = await cli(['--json', 'fleet']);
    const board = (JSON.parse(fleet.out) as Array<{ prefix: string; state: string }>).find((b) => b.prefix === prefix);
    expect(['asleep', 'online']).toContain(board?.state);
  }, 60_000);

  it('a command to the sleeping board fails with a hint; with --wait-wake it runs once at the next wake', async () => {
    await until('asleep', () => lastStatus(rig, prefix)?.asleep === true, 20_000);
    const refused = await cli(['-p', prefix, 'eval', '1']);
    expect(refused.code).toBe(EXIT_CODES.OFFLINE);
    expect(refused.err).toMatch(/is asleep, wakes in \d+ s; use --wait-wake/);
    const evalsBefore = rig.seen.filter((m) => m.topic.startsWith(`${prefix}/mqb/cmd/eval/`)).length;
    const r = await cli(['--wait-wake', '--timeout', '30', '-p', prefix, 'eval', '6 * 7']);
    expect(r).toMatchObject({ code: 0, out: '42\n' });
    expect(r.err).toMatch(new RegExp(`^mqboard: ${prefix} is asleep, wakes in \\d+ s; waiting \\(Ctrl-C to cancel\\)\\n$`));
    expect(rig.seen.filter((m) => m.topic.startsWith(`${prefix}/mqb/cmd/eval/`)).length).toBe(evalsBefore + 1);
    expect(rig.seen.some((m) => m.topic.startsWith(`${prefix}/mqb/cmd/awake/`))).toBe(true);
  }, 60_000);
});
