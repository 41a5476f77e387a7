// `mqboard rollout` without a broker: bad input is refused before anything connects, and the
// saved state is shown by `status` (text and JSON) and changed by `pause`/`abort`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../common/errors.js';
import { DEFAULT_GATE, DEFAULT_THRESHOLD, DEFAULT_WAVES } from '../common/rollout-plan.js';
import { createRollout, reduce } from '../common/rollout-state.js';
import { RolloutStore } from '../core/rollout-store.js';
import { makeTempDir } from '../sim/test-boards.js';
import { runTestCli } from './cli-test-io.js';

function setup() {
  const dir = makeTempDir('mqb-rollout-cli-');
  const env = { MQBOARD_DATA_DIR: dir, MQBOARD_SERVER: 'mqtt://127.0.0.1:1' };
  return { dir, env, cli: (args: string[]) => runTestCli(['rollout', ...args], env) };
}

describe('mqboard rollout (no broker)', () => {
  it('refuses bad options and files with USAGE before connecting', async () => {
    const { dir, cli } = setup();
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'just words\n');
    expect(await cli(['start', text, '-p', 'sim/*', '--waves', '0'])).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/waves: "0"/) });
    expect(await cli(['start', text, '-p', 'sim/*', '--threshold', 'many'])).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/failure threshold/) });
    expect(await cli(['start', text])).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/which boards\?.*--tag TAG/) });
    expect(await cli(['start', text, '--tag', 'not a tag'])).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/--tag: bad tag "not a tag"/) });
    expect(await cli(['start', text, '-p', 'sim/*'])).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/neither an ESP32 app image nor a sync spec/) });
    const bin = path.join(dir, 'broken.bin');
    fs.writeFileSync(bin, Buffer.alloc(64, 0xff));
    expect(await cli(['start', bin, '-p', 'sim/*'])).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/not a valid ESP32 app image/) });
    expect(await cli(['start', path.join(dir, 'missing.bin'), '-p', 'sim/*'])).toMatchObject({ code: EXIT_CODES.LOCAL_IO });
    expect(await cli(['status'])).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/no rollouts yet/) });
  });

  it('status shows the saved rollout; pause and abort change it when no process runs it', async () => {
    const { dir, cli } = setup();
    const store = new RolloutStore(dir);
    let r = createRollout({
      id: '20261207T100000Z-0001', createdAt: 0, patterns: ['sim/*'], tags: ['kitchen'], waves: DEFAULT_WAVES, gate: DEFAULT_GATE, threshold: DEFAULT_THRESHOLD, concurrency: 4,
      what: { kind: 'firmware', file: '/fw/v2.bin', sha256: 'ab', size: 100, version: 'v2', project: 'mp' },
    }, ['sim/a', 'sim/b', 'sim/c'], 0);
    r = reduce(r, { type: 'board-healthy', prefix: 'sim/a', fw: 'v2' }, 1);
    await store.save(r);
    const text = await cli(['status']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^rollout 20261207T100000Z-0001: running\n {2}firmware v2 \(\/fw\/v2\.bin\) to sim\/\* tag:kitchen \(3 board\(s\), chosen at start\);/);
    expect(text.out).toMatch(/wave 1\/3 \(canary\): 1 healthy\n {2}sim\/a: healthy, runs v2\nwave 2\/3: 1 pending\n {2}sim\/b: waiting\n/);
    const json = JSON.parse((await cli(['status', '--json'])).out) as { status: string; waves: Array<{ wave: number; size: number }> };
    expect(json).toMatchObject({ status: 'running', tags: ['kitchen'], waves: [{ wave: 1, size: 1 }, { wave: 2, size: 1 }, { wave: 3, size: 1 }] });
    expect(await cli(['pause'])).toMatchObject({ code: 0, out: expect.stringMatching(/PAUSED: paused by `mqboard rollout pause`/) });
    expect((await store.load(r.def.id)).status).toBe('paused');
    expect(await cli(['abort', r.def.id])).toMatchObject({ code: 0, out: expect.stringMatching(/ABORTED/) });
    expect((await cli(['status', '--all'])).out).toMatch(/^20261207T100000Z-0001 +aborted +v2 +sim\/\* tag:kitchen$/m);
  });
});
