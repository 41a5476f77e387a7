// `mqboard get/put/sync/ota` end to end against two virtual boards per broker kind, in-process
// (the same code as the binary): results, JSON, progress lines in a log, and the exit codes.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirmwareRig } from '../../board/tests/firmware-harness.js';
import { lastStatus, startRig, until } from '../../board/tests/firmware-harness.js';
import { EXIT_CODES } from '../common/errors.js';
import { writeTestImage } from '../sim/firmware-image-builder.js';
import { makeTempDir } from '../sim/test-boards.js';
import { BROKER_KINDS } from '../testing/brokers.js';
import { runTestCli } from './cli-test-io.js';

describe.each(BROKER_KINDS)('mqboard get/put/sync/ota on %s', (kind) => {
  let rig: FirmwareRig;
  let env: Record<string, string>;
  let b1: string;
  let b2: string;
  let dir: string;
  const cli = (...args: string[]) => runTestCli(args, env);

  beforeAll(async () => {
    rig = await startRig({ kind, count: 2 });
    [b1, b2] = rig.prefixes as [string, string];
    env = { MQBOARD_SERVER: rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw' };
    dir = makeTempDir();
    await rig.fleet.start();
    await until('both boards online', () => lastStatus(rig, b1)?.online && lastStatus(rig, b2)?.online, 40_000);
  }, 90_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('put then get gives back the same bytes; progress goes to stderr as plain lines in a log', async () => {
    const local = path.join(dir, 'blob.bin');
    const data = randomBytes(40_000);
    fs.writeFileSync(local, data);
    const put = await cli('put', '-p', b1, local, '/blob.bin');
    expect(put).toMatchObject({ code: 0, out: expect.stringMatching(/blob\.bin -> sim\/sim-01:\/blob\.bin: 40 kB in .*SHA-256 checked by the board\n$/) });
    expect(put.err).toMatch(/sim\/sim-01:\/blob\.bin: 0% 0 B\/40 kB/);
    const back = path.join(dir, 'back.bin');
    const get = await cli('get', '-p', b1, '/blob.bin', back, '--json');
    expect(get.code).toBe(0);
    expect(JSON.parse(get.out)).toMatchObject({ ok: true, board: b1, remote: '/blob.bin', bytes: 40_000, verified: 'board' });
    expect(get.err).toBe('');
    expect(fs.readFileSync(back).equals(data)).toBe(true);
  });

  it('put copies a directory tree; get - writes the file to stdout', async () => {
    const tree = path.join(dir, 'pkg');
    fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'a.py'), 'A = 1\n');
    fs.writeFileSync(path.join(tree, 'sub', 'b.py'), 'B = 2\n');
    const put = await cli('put', '-p', b1, tree, '/lib/', '--json');
    expect(put.code).toBe(0);
    expect(JSON.parse(put.out).files.map((f: { remote: string }) => f.remote)).toEqual(['/lib/pkg/a.py', '/lib/pkg/sub/b.py']);
    expect(await cli('get', '-p', b1, '/lib/pkg/sub/b.py', '-', '-q')).toMatchObject({ code: 0, out: 'B = 2\n' });
    // Into an existing directory, a file keeps its name (as cp does).
    expect(await cli('put', '-p', b1, path.join(tree, 'a.py'), '/lib/pkg/sub')).toMatchObject({ code: 0, out: expect.stringMatching(/-> sim\/sim-01:\/lib\/pkg\/sub\/a\.py:/) });
  });

  it('exit codes: a missing board file is BOARD_ERROR, an unknown board NO_BOARD', async () => {
    const missing = await cli('get', '-p', b1, '/nope.py', path.join(dir, 'nope.py'));
    expect(missing).toMatchObject({ code: EXIT_CODES.BOARD_ERROR, err: expect.stringMatching(/ENOENT: \/nope\.py/) });
    expect(fs.existsSync(path.join(dir, 'nope.py'))).toBe(false);
    expect((await cli('put', '-p', 'sim/nobody', path.join(dir, 'blob.bin'))).code).toBe(EXIT_CODES.NO_BOARD);
  });

  it('sync: --dry-run prints the plan and exits 0; the real run installs and reports check-only differences with SHA_MISMATCH', async () => {
    const src = path.join(dir, 'proj');
    fs.mkdirSync(path.join(src, 'app'), { recursive: true });
    fs.writeFileSync(path.join(src, 'app', 'x.py'), 'X = 1\n');
    fs.writeFileSync(path.join(src, 'main.py'), '# differs from the board\n');
    const spec = path.join(src, 'board.spec');
    fs.writeFileSync(spec, '/app:\n  app: *.py\n/: --check-only\n  main.py\n');
    const dry = await cli('sync', '-p', b1, spec, '--dry-run');
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.out).toBe('mkdir  /app (missing on the board)\nput    /app/x.py  <- app/x.py (new)\ncheck  /main.py  <- main.py (differs)\ndry run on sim/sim-01: 1 to put, 0 skipped, 1 checked (1 differ)\n');
    const run = await cli('sync', '-p', b1, spec, '--json');
    expect(run.code).toBe(EXIT_CODES.SHA_MISMATCH);
    expect(JSON.parse(run.out)).toMatchObject({ ok: false, differences: ['/main.py'] });
    expect(run.err).toMatch(/1 file\(s\) on sim\/sim-01 differ from the spec's check-only blocks/);
    expect(await cli('get', '-p', b1, '/app/x.py', '-')).toMatchObject({ code: 0, out: 'X = 1\n' });
    fs.writeFileSync(spec, '/app:\n  app: *.py\n');
    expect(await cli('sync', '-p', b1, spec)).toMatchObject({ code: 0, out: expect.stringMatching(/0 to put, 1 skipped/) });
  });

  it("ota of an image larger than the board's OTA slot (stock table: 0x180000) fails at once, naming both sizes, before any byte is sent", async () => {
    expect(lastStatus(rig, b1)).toMatchObject({ ota_slot: 0x180000 });
    const slotFile = path.join(rig.boards[0]!.state.partitionDir, `${lastStatus(rig, b1)!.partition === 'ota_0' ? 'ota_1' : 'ota_0'}.bin`);
    const before = fs.readFileSync(slotFile);
    const { path: image } = await writeTestImage(path.join(dir, 'big.bin'), { version: 'v8.8.8-big', totalSize: 1_800_000 });
    const r = await cli('ota', image, '-p', b1);
    expect(r.code).toBe(EXIT_CODES.USAGE);
    expect(r.out).toContain("sim/sim-01: FAILED (USAGE): sim/sim-01: the image is 1,800,000 bytes, the board's OTA slot holds 1,572,864");
    expect(fs.readFileSync(slotFile).equals(before)).toBe(true);
  });

  it('ota to every board matching a glob, with --reset: each comes back running the new version', async () => {
    const { path: image } = await writeTestImage(path.join(dir, 'fw.bin'), { version: 'v7.7.7-cli', projectName: 'mqboard', totalSize: 300_000 });
    const r = await cli('ota', image, '-p', 'sim/*', '--reset', '--json', '--concurrency', '2');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { ok: boolean; image: { version: string }; boards: Array<{ prefix: string; ok: boolean; after: { fw: string } }> };
    expect(json).toMatchObject({ ok: true, image: { version: 'v7.7.7-cli' } });
    expect(json.boards.map((b) => [b.prefix, b.ok, b.after.fw])).toEqual([[b1, true, 'v7.7.7-cli'], [b2, true, 'v7.7.7-cli']]);
    const again = await cli('ota', image, '-p', b1, '-p', b2);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^.*fw\.bin: mqboard v7\.7\.7-cli, 300 kB, SHA-256 [0-9a-f]{16}…\n/);
    expect(again.out).toMatch(/sim\/sim-02: OK, .*set to boot at the next reset/);
  }, 120_000);
});
