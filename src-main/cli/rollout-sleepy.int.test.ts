// Battery boards in rollouts (issue 12 with issue 11's deep sleep): a real virtual board that
// sleeps 10 s and wakes for 2 s. Without --wait-wake a rollout skips it with the hint; with it, a
// firmware rollout and then a file-set rollout wait for its wake, keep it awake while the image or
// the files go over, gate it like any board (its planned sleeps during the stability period are
// its normal life), and the board goes back to its duty cycle on the new version. Both brokers at
// once: the board mostly sleeps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FirmwareRig } from '../../board/tests/firmware-harness.js';
import { lastStatus, startRig, until } from '../../board/tests/firmware-harness.js';
import { RolloutStore } from '../core/rollout-store.js';
import { buildAppImage } from '../sim/firmware-image-builder.js';
import { makeTempDir } from '../sim/test-boards.js';
import { BROKER_KINDS } from '../testing/brokers.js';
import type { BrokerKind } from '../testing/brokers.js';
import { ROLLOUT_CHECK_APP, ROLLOUT_CHECK_FILE, ROLLOUT_CHECK_MODULES } from '../testing/rollout-app.js';
import { runTestCli } from './cli-test-io.js';

const PERIOD = 10;
const GATE = ['--waves', '100%', '--online-within', '40', '--confirm-within', '40', '--stable', '3'];
const WAKE_MS = 60_000; // one wake, generously (two busy cores, the other broker's board beside it)
const rigs: FirmwareRig[] = [];
afterAll(async () => {
  await Promise.all(rigs.map((r) => r.close()));
});

type Status = { asleep?: boolean; online?: boolean; fw?: string; pending_verify?: boolean; modules?: Record<string, string> };

async function run(kind: BrokerKind) {
  const rig = await startRig({
    kind, files: { [ROLLOUT_CHECK_FILE]: ROLLOUT_CHECK_APP },
    boardConfig: { modules: ROLLOUT_CHECK_MODULES, sleep: { period: PERIOD, awake: 2 }, watchdog: { timeout: 20, allok: 3, revert: true } },
  });
  rigs.push(rig);
  const dir = makeTempDir('mqb-rollout-sleepy-');
  const env = { MQBOARD_SERVER: rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw', MQBOARD_DATA_DIR: path.join(dir, 'data') };
  const cli = (args: string[]) => runTestCli(args, env);
  const prefix = rig.prefixes[0]!;
  const status = () => lastStatus(rig, prefix) as Status | undefined;
  /** Asleep (a retained asleep status), and `ok` of its last status. */
  const asleepWith = (what: string, ok: (s: Status) => boolean = () => true) =>
    until(`${prefix} asleep ${what}`, () => (status()?.asleep === true && ok(status()!) ? true : undefined), WAKE_MS);
  /** The board has just fallen asleep (a new asleep status): ~10 s to its wake, time for the CLI to start. */
  const freshSleep = () => {
    const from = rig.seen.length;
    return until(`${prefix} falls asleep`, () => (rig.seen.slice(from).some((m) => m.topic === `${prefix}/mqb/status` && /"asleep": ?true/.test(m.payload.toString())) ? true : undefined), WAKE_MS);
  };
  await rig.fleet.start();
  await asleepWith('after boot');

  const version = `v2.0.0-sleepy-${kind}`;
  const image = path.join(dir, 'fw.bin');
  fs.writeFileSync(image, buildAppImage({ version, totalSize: 100_000 }));
  const appDir = path.join(dir, 'app');
  fs.mkdirSync(appDir);
  const spec = path.join(appDir, 'app.spec');
  fs.writeFileSync(spec, `/src:\n    ${path.basename(ROLLOUT_CHECK_FILE)}\n`);
  fs.writeFileSync(path.join(appDir, path.basename(ROLLOUT_CHECK_FILE)), `__version__ = "2.0"\n${ROLLOUT_CHECK_APP}`);

  // Asleep and no --wait-wake: skipped with the hint, both kinds, untouched.
  for (const what of [image, spec]) {
    await asleepWith('before a rollout without --wait-wake');
    const r = await cli(['rollout', 'start', what, '-p', prefix, ...GATE]);
    expect(r.out + r.err).toMatch(/asleep \(start the rollout with --wait-wake to update it at its next wake\)/);
  }
  expect(status()).toMatchObject({ fw: expect.not.stringContaining('sleepy') });

  await freshSleep();
  let t0 = Date.now();
  const fw = await cli(['--wait-wake', '--timeout', '40', 'rollout', 'start', image, '-p', prefix, ...GATE]);
  console.log(`${kind}: firmware rollout to a sleeping board in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  expect(fw.code, fw.out + fw.err).toBe(0);
  // The wait is kept with the rollout: its resume (here or in the console) waits alike.
  const stored = await new RolloutStore(env.MQBOARD_DATA_DIR).list();
  expect(stored.at(-1)?.def).toMatchObject({ what: { kind: 'firmware', version }, wakeWaitS: 40 });
  expect(stored.filter((r) => r.def.wakeWaitS === undefined)).toHaveLength(2); // the two without --wait-wake
  await asleepWith(`on ${version}, confirmed`, (s) => s.fw === version && s.pending_verify === false);

  await freshSleep();
  t0 = Date.now();
  const files = await cli(['--wait-wake', '--timeout', '40', 'rollout', 'start', spec, '-p', prefix, ...GATE]);
  console.log(`${kind}: file-set rollout to a sleeping board in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  expect(files.code, files.out + files.err).toBe(0);
  expect(files.err).toMatch(new RegExp(`${prefix} is asleep: continuing at its next wake`)); // notes go to stderr
  expect(files.out).toMatch(/DONE/);
  await asleepWith('with the new app', (s) => s.modules?.fwcheck === '2.0' && s.fw === version);
  expect(fs.readFileSync(path.join(rig.boards[0]!.state.flashDir, ROLLOUT_CHECK_FILE), 'utf8')).toContain('__version__ = "2.0"');
}

describe('rollouts to a battery board (10 s asleep, 2 s awake)', () => {
  it(`skip it without --wait-wake; with it, firmware and a file set reach it at its wakes, on ${BROKER_KINDS.join(' and ')} at once`, async () => {
    await Promise.all(BROKER_KINDS.map(run));
  }, 300_000);
});
