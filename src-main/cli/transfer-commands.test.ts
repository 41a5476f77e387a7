// The transfer commands refuse bad local input before they connect: the broker address below
// has nothing listening, so reaching it would end with BROKER_DOWN instead of these codes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../common/errors.js';
import { runTestCli } from './cli-test-io.js';

const env = { MQBOARD_SERVER: 'mqtt://127.0.0.1:1', MQBOARD_PREFIX: 'sim/sim-01' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('transfer commands, before connecting', () => {
  it('put of a missing local file is LOCAL_IO and sends nothing', async () => {
    const r = await runTestCli(['put', path.join(dir, 'nope.py'), '/nope.py'], env);
    expect(r.code).toBe(EXIT_CODES.LOCAL_IO);
    expect(r.err).toMatch(/cannot read .*nope\.py: no such file/);
  });

  it('ota refuses what is not an ESP32 app image, with the reason', async () => {
    const file = path.join(dir, 'main.py');
    fs.writeFileSync(file, 'print("not firmware")\n');
    const r = await runTestCli(['ota', file, '--json'], env);
    expect(r.code).toBe(EXIT_CODES.USAGE);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/main\.py is not a valid ESP32 app image: .*first byte/) } });
    expect((await runTestCli(['ota', path.join(dir, 'fw.bin')], env)).code).toBe(EXIT_CODES.LOCAL_IO);
  });

  it('ota checks its numbers and option combinations', async () => {
    const r = await runTestCli(['ota', 'fw.bin', '--concurrency', '0'], env);
    expect(r).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/--concurrency must be a positive whole number \(got "0"\)/) });
    const c = await runTestCli(['ota', 'fw.bin', '--confirm-timeout', '30'], env);
    expect(c).toMatchObject({ code: EXIT_CODES.USAGE, err: expect.stringMatching(/--confirm-timeout needs --reset/) });
  });

  it('sync of a missing spec is LOCAL_IO; --pull with --delete is a usage error', async () => {
    expect((await runTestCli(['sync', path.join(dir, 'nope.spec')], env)).code).toBe(EXIT_CODES.LOCAL_IO);
    const spec = path.join(dir, 'x.spec');
    fs.writeFileSync(spec, '/:\n  main.py\n');
    expect((await runTestCli(['sync', spec, '--pull', '--delete'], env)).code).toBe(EXIT_CODES.USAGE);
  });
});
