// `mqboard rollout` end to end: 6 virtual boards running the board/ firmware, images of ~100 KB,
// the fast test watchdog (all-OK after 3 s). A good image goes canary → waves → done; an image
// that breaks the app at boot stops after the canary, which its bootloader rolls back by itself,
// with no other board touched; a console killed mid-rollout is resumed without redoing boards.
// The app on every board raises at import when the booted image's version has "-bad" in it
// (the simulator runs the Python on flash, whatever the image: docs/virtual-board.md).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirmwareRig } from '../../board/tests/firmware-harness.js';
import { lastStatus, startRig, until, untilHealthy } from '../../board/tests/firmware-harness.js';
import { EXIT_CODES } from '../common/errors.js';
import { buildAppImage } from '../sim/firmware-image-builder.js';
import { makeTempDir } from '../sim/test-boards.js';
import type { BrokerKind } from '../testing/brokers.js';
import { ROLLOUT_CHECK_APP } from '../testing/rollout-app.js';
import { runTestCli, testIo } from './cli-test-io.js';
import { runCli } from './run-cli.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const FWCHECK = ROLLOUT_CHECK_APP;
const GATE = ['--online-within', '40', '--confirm-within', '40', '--stable', '1'];

interface StoredRollout {
  status: string;
  boards: Record<string, { phase: string; fw?: string; reason?: string }>;
}

function rigFor(kind: BrokerKind) {
  const ctx = { rig: undefined as unknown as FirmwareRig, env: {} as Record<string, string>, dir: '' };
  beforeAll(async () => {
    ctx.rig = await startRig({ kind, count: 6, files: { 'src/fwcheck.py': FWCHECK }, boardConfig: { modules: { fwcheck: {} } } });
    ctx.dir = makeTempDir('mqb-rollout-');
    ctx.env = { MQBOARD_SERVER: ctx.rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw', MQBOARD_DATA_DIR: path.join(ctx.dir, 'data') };
    await ctx.rig.fleet.start();
    await until('all boards online', () => ctx.rig.prefixes.every((p) => lastStatus(ctx.rig, p)?.online), 60_000);
  }, 90_000);
  afterAll(async () => {
    await ctx.rig?.close();
  });
  return ctx;
}

function image(dir: string, version: string): string {
  const file = path.join(dir, `${version}.bin`);
  fs.writeFileSync(file, buildAppImage({ version, totalSize: 100_000 }));
  return file;
}

const statusOf = (rig: FirmwareRig, p: string) => lastStatus(rig, p) as { fw: string; partition: string; boots: number; pending_verify: boolean; online: boolean };

async function goodThenBad(kind: BrokerKind, ctx: ReturnType<typeof rigFor>) {
  const { rig, env } = ctx;
  const cli = (args: string[]) => runTestCli(args, env);
  const t0 = Date.now();
  const good = await cli(['rollout', 'start', image(ctx.dir, 'v2.0.0-good'), '-p', 'sim/*', '--waves', '1,20%,100%', ...GATE]);
  console.log(`${kind}: good image through 3 waves to 6 boards in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  expect(good.code, good.out + good.err).toBe(0);
  expect(good.out).toMatch(/wave 1\/3 \(canary\): 1 board\(s\)[^]*wave 2\/3: 2 board\(s\)[^]*wave 3\/3: 3 board\(s\)[^]*DONE/);
  for (const p of rig.prefixes) expect(statusOf(rig, p)).toMatchObject({ fw: 'v2.0.0-good', pending_verify: false });
  const status = JSON.parse((await cli(['rollout', 'status', '--json'])).out) as { status: string; waves: Array<{ counts: { healthy: number } }> };
  expect(status.status).toBe('done');
  expect(status.waves.map((w) => w.counts.healthy)).toEqual([1, 2, 3]);

  const before = Object.fromEntries(rig.prefixes.map((p) => [p, statusOf(rig, p).boots]));
  const started = Date.now();
  const bad = await cli(['rollout', 'start', image(ctx.dir, 'v3.0.0-bad'), '-p', 'sim/*', ...GATE]);
  console.log(`${kind}: bad image stopped after the canary in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  expect(bad.code, bad.out + bad.err).toBe(EXIT_CODES.ROLLOUT_PAUSED);
  const canary = rig.prefixes[0]!;
  expect(bad.out).toMatch(new RegExp(`${canary}: ROLLED BACK: reset before confirming v3.0.0-bad; back on v2.0.0-good`));
  expect(bad.out).toMatch(/PAUSED: 1 of 1 board\(s\) failed in the canary/);
  // The canary is back on the old version by itself (the bootloader), and stays there healthy.
  await until('canary back on the old version', () => statusOf(rig, canary).fw === 'v2.0.0-good' && !statusOf(rig, canary).pending_verify, 30_000);
  await untilHealthy(rig.boards[0]!); // its all-OK: a reset before it would count as a second failed boot
  for (const p of rig.prefixes.slice(1)) expect([p, statusOf(rig, p)]).toMatchObject([p, { fw: 'v2.0.0-good', boots: before[p] }]);
  const paused = JSON.parse((await cli(['rollout', 'status', '--json'])).out) as { status: string; boards: Array<{ prefix: string; phase: string }> };
  expect(paused.status).toBe('paused');
  expect(paused.boards.map((b) => b.phase)).toEqual(['rolled-back', 'pending', 'pending', 'pending', 'pending', 'pending']);
  expect(await cli(['rollout', 'abort'])).toMatchObject({ code: 0, out: expect.stringMatching(/ABORTED/) });
  expect((await cli(['rollout', 'resume'])).code).toBe(EXIT_CODES.ROLLOUT_ABORTED);
}

describe.each(['aedes', 'mosquitto'] as const)('mqboard rollout on %s', (kind) => {
  const ctx = rigFor(kind);

  it('a good image goes canary → waves → done; a bad one stops after the canary, which rolls back by itself', () => goodThenBad(kind, ctx), 240_000);

  // The longer scenarios run on one broker each, to keep the suite's time (about 100 s in all).
  if (kind === 'aedes') it('a console killed mid-rollout is resumed without redoing the boards it finished', async () => {
    const { rig, env } = ctx;
    const file = image(ctx.dir, 'v4.0.0-next');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mqboard.js'), 'rollout', 'start', file, '-p', 'sim/*', '--waves', '1,100%', '--concurrency', '2', ...GATE], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const dir = path.join(env.MQBOARD_DATA_DIR!, 'rollouts');
    const stored = (): StoredRollout | undefined => {
      const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort() : [];
      const text = names.length ? fs.readFileSync(path.join(dir, names.at(-1)!), 'utf8') : '';
      const r = text ? (JSON.parse(text) as StoredRollout & { def: { what: { version?: string } } }) : undefined;
      return r?.def.what.version === 'v4.0.0-next' ? r : undefined;
    };
    const phases = () => Object.values(stored()?.boards ?? {}).map((b) => b.phase);
    await until('some boards healthy, others in flight', () => phases().filter((p) => p === 'healthy').length >= 2 && phases().some((p) => p === 'updating' || p === 'verifying'), 120_000).catch((e: Error) => {
      const seen = rig.seen.filter((m) => m.topic === 'sim/sim-01/mqb/status' || m.topic === 'sim/sim-01/log').slice(-40).map((m) => m.payload.toString().slice(0, 200));
      throw new Error(`${e.message}; the console said:\n${output}\nsim-01's last statuses and log lines:\n${seen.join('\n')}`);
    });
    child.kill('SIGKILL');
    await exited;
    const atKill = stored()!;
    const finished = Object.entries(atKill.boards).filter(([, b]) => b.phase === 'healthy').map(([p]) => p);
    const boots = Object.fromEntries(finished.map((p) => [p, statusOf(rig, p).boots]));
    const resumed = await runTestCli(['rollout', 'resume'], env);
    expect(resumed.code, resumed.out + resumed.err).toBe(0);
    for (const p of finished) expect(resumed.out).not.toMatch(new RegExp(`${p}: updating`));
    expect(stored()!.status).toBe('done');
    for (const p of rig.prefixes) expect(statusOf(rig, p)).toMatchObject({ fw: 'v4.0.0-next', pending_verify: false });
    for (const p of finished) expect([p, statusOf(rig, p).boots]).toEqual([p, boots[p]]);
  }, 240_000);

  if (kind === 'aedes') it('a file set goes out with the same gates; a broken app is put back to the previous files', async () => {
    const { rig, env } = ctx;
    const appDir = path.join(ctx.dir, 'app');
    fs.mkdirSync(appDir, { recursive: true });
    const spec = path.join(appDir, 'app.spec');
    fs.writeFileSync(spec, '/src:\n    fwcheck.py\n');
    fs.writeFileSync(path.join(appDir, 'fwcheck.py'), `__version__ = "2.0"\n${FWCHECK}`);
    const good = await runTestCli(['rollout', 'start', spec, '-p', 'sim/*', '--waves', '1,100%', '--online-within', '40', '--stable', '5'], env);
    expect(good.code, good.out + good.err).toBe(0);
    for (const p of rig.prefixes) expect(lastStatus(rig, p)?.modules).toEqual({ fwcheck: '2.0' });
    const before = Object.fromEntries(rig.prefixes.map((p) => [p, statusOf(rig, p).boots]));
    fs.writeFileSync(path.join(appDir, 'fwcheck.py'), '__version__ = "3.0"\nraise RuntimeError("broken app 3.0")\n');
    const bad = await runTestCli(['rollout', 'start', spec, '-p', 'sim/*', '--waves', '1,100%', '--online-within', '40', '--stable', '5'], env);
    expect(bad.code, bad.out + bad.err).toBe(EXIT_CODES.ROLLOUT_PAUSED);
    const canary = rig.prefixes[0]!;
    expect(bad.out).toMatch(new RegExp(`${canary}: ROLLED BACK: .*broken app 3.0.*previous files restored`));
    await until('canary back on the previous app', () => (lastStatus(rig, canary)?.modules as Record<string, string>)?.fwcheck === '2.0', 30_000);
    expect(fs.readFileSync(path.join(rig.boards[0]!.state.flashDir, 'src', 'fwcheck.py'), 'utf8')).toContain('__version__ = "2.0"');
    for (const p of rig.prefixes.slice(1)) expect([p, statusOf(rig, p).boots]).toEqual([p, before[p]]);
  }, 240_000);

  if (kind === 'mosquitto') it('Ctrl-C and `rollout pause` pause it with its state saved; resume finishes it', async () => {
    const { rig, env } = ctx;
    const file = image(ctx.dir, 'v5.0.0-paused');
    const args = ['rollout', 'start', file, '-p', 'sim/*', '--waves', '1,100%', '--concurrency', '5', ...GATE];
    const first = testIo(env);
    first.stdin.end();
    const running = runCli(args, first.io);
    await until('canary healthy', () => /sim\/sim-01: healthy/.test(first.out()), 60_000);
    first.interrupt();
    expect(await running).toBe(EXIT_CODES.ROLLOUT_PAUSED);
    expect(first.out()).toMatch(/PAUSED: interrupted \(Ctrl-C\)/);
    const saved = JSON.parse((await runTestCli(['rollout', 'status', '--json'], env)).out) as { status: string; boards: Array<{ phase: string }> };
    expect(saved.status).toBe('paused');
    expect(saved.boards[0]!.phase).toBe('healthy');

    const second = testIo(env);
    second.stdin.end();
    const resumed = runCli(['rollout', 'resume'], second.io);
    await until('wave 2 updating', () => /sim\/sim-02: updating/.test(second.out()), 30_000);
    expect(await runTestCli(['rollout', 'pause'], env)).toMatchObject({ code: 0, out: expect.stringMatching(/asked process \d+ to pause it/) });
    expect(await resumed).toBe(EXIT_CODES.ROLLOUT_PAUSED);
    expect(second.out()).not.toMatch(/sim\/sim-01: updating/);

    const third = await runTestCli(['rollout', 'resume', '--json'], env);
    expect(third.code, third.out + third.err).toBe(0);
    const done = JSON.parse(third.out) as { ok: boolean; status: string; boards: Array<{ prefix: string; phase: string; fw: string }> };
    expect(done).toMatchObject({ ok: true, status: 'done' });
    expect(done.boards.map((b) => [b.phase, b.fw])).toEqual(Array(6).fill(['healthy', 'v5.0.0-paused']));
    for (const p of rig.prefixes) expect(statusOf(rig, p)).toMatchObject({ fw: 'v5.0.0-paused', pending_verify: false });
  }, 240_000);
});
