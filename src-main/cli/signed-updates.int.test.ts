// Signed updates end to end (issue 9, docs/signing.md): a virtual board running the real firmware
// that requires signatures, driven by `mqboard` in-process. Good signatures are accepted; unsigned,
// tampered, replayed and wrong-key updates are refused before anything changes on the board; a key
// rotation (trust old+new, switch, drop old) works through signed puts of board_config.py.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransferRig } from '../../board/tests/transfer-harness.js';
import { lastStatus, startTransferRig, untilOnlineAgain } from '../../board/tests/transfer-harness.js';
import { EXIT_CODES } from '../common/errors.js';
import { putTail, otaTail } from '../common/protocol.js';
import { boardConfigEntry, signerFor, SigningKeyStore } from '../core/update-signing.js';
import type { SigningKeyInfo } from '../core/update-signing.js';
import { buildAppImage } from '../sim/firmware-image-builder.js';
import { makeTempDir } from '../sim/test-boards.js';
import { BROKER_KINDS } from '../testing/brokers.js';
import { runTestCli } from './cli-test-io.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const expectOk = (r: { code: number; out: string; err: string }) => expect(r.code, JSON.stringify(r)).toBe(0);

describe.each(BROKER_KINDS)('signed updates (%s)', (kind) => {
  let t: TransferRig;
  let env: Record<string, string>;
  let dir: string;
  let store: SigningKeyStore;
  const keys: Record<string, SigningKeyInfo> = {};
  const cli = (...args: string[]) => runTestCli(args, env);
  const flash = (p: string) => path.join(t.board.state.flashDir, p);
  const lastFw = () => lastStatus(t.rig, t.prefix)?.fw;
  const local = (name: string, data: string | Uint8Array) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, data);
    return file;
  };

  beforeAll(async () => {
    dir = makeTempDir();
    env = { MQBOARD_DATA_DIR: path.join(dir, 'data') };
    const gen = await cli('keys', 'generate', 'old', '--json');
    expect(gen.code, gen.err).toBe(0);
    store = new SigningKeyStore(path.join(env.MQBOARD_DATA_DIR!, 'keys'));
    keys.old = JSON.parse(gen.out).key as SigningKeyInfo;
    keys.new = store.generate('new');
    keys.rogue = store.generate('rogue');
    t = await startTransferRig(kind, { boardConfig: { signing: { require: true, keys: { [keys.old.id]: keys.old.modulus } } } });
    Object.assign(env, { MQBOARD_SERVER: t.rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw' });
  }, 90_000);
  afterAll(() => t?.close());

  it('accepts a signed put, refuses unsigned, wrong-key, tampered and replayed ones, and the old file stays', async () => {
    const status = await cli('--json', 'status', '-p', t.prefix);
    expect(JSON.parse(status.out)).toMatchObject({ signing: { require: true, keys: [keys.old!.id] } });
    const good = local('app.py', 'VERSION = 2\n');
    expectOk(await cli('put', '--sign', 'old', '-p', t.prefix, good, '/app.py'));
    expect(fs.readFileSync(flash('app.py'), 'utf8')).toBe('VERSION = 2\n');

    const evil = local('evil.py', 'VERSION = 666\n');
    const unsigned = await cli('put', '-p', t.prefix, evil, '/app.py');
    expect(unsigned.code).toBe(EXIT_CODES.BOARD_ERROR);
    expect(unsigned.err).toMatch(/unsigned put refused: this board accepts only signed updates/);
    const rogue = await cli('put', '--sign', 'rogue', '-p', t.prefix, evil, '/app.py');
    expect(rogue.err).toMatch(new RegExp(`signed with key ${keys.rogue!.id}, which this board does not trust`));
    // What no CLI sends: a valid signature used for other content, another path, or as firmware.
    const sign = signerFor(store.load('old'), 'old');
    const data = fs.readFileSync(evil);
    const goodSha = sha(fs.readFileSync(good));
    await expect(t.client.run('put', putTail('/app.py', goodSha, sign('put', '/app.py', goodSha)), data)).rejects.toThrow(/SHA-256 mismatch/);
    await expect(t.client.run('put', putTail('/boot.py', goodSha, sign('put', '/app.py', goodSha)), data)).rejects.toThrow(/bad signature/);
    // One character in the middle (the last one partly holds padding bits that decode to nothing).
    const token = sign('put', '/app.py', sha(data));
    const at = token.indexOf('.') + 100;
    const flipped = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    await expect(t.client.run('put', putTail('/app.py', sha(data), flipped), data)).rejects.toThrow(/bad signature/);
    expect(fs.readFileSync(flash('app.py'), 'utf8')).toBe('VERSION = 2\n');
    expect(fs.existsSync(flash('boot.py.mqbtmp')) || fs.existsSync(flash('app.py.mqbtmp'))).toBe(false);
    // Sync signs every put too.
    local('app.spec', '/:\n    app.py\n');
    fs.writeFileSync(good, 'VERSION = 3\n');
    expect(await cli('sync', '-p', t.prefix, path.join(dir, 'app.spec'))).toMatchObject({ code: EXIT_CODES.BOARD_ERROR });
    expectOk(await cli('sync', '--sign', 'old', '-p', t.prefix, path.join(dir, 'app.spec')));
    expect(fs.readFileSync(flash('app.py'), 'utf8')).toBe('VERSION = 3\n');
  });

  it('verifies in milliseconds and a few KB of heap', async () => {
    const sig = signerFor(store.load('old'), 'old')('put', '/x', 'ab'.repeat(32));
    await t.board.probe(`import mqb_sign, gc, time\ngc.collect()\n_f = gc.mem_free()\n_t = time.ticks_us()\nmqb_sign.check(${JSON.stringify(sig)}, "put", "/x", "${'ab'.repeat(32)}")\n_r = [time.ticks_diff(time.ticks_us(), _t), _f - gc.mem_free()]`);
    const [us, heap] = await t.board.probeJson<[number, number]>('_r');
    console.log(`${kind}: RSA-2048 signature check on the virtual board: ${(us / 1000).toFixed(1)} ms, ${(heap / 1024).toFixed(1)} KB of heap allocated`);
    expect(heap).toBeLessThan(16 * 1024);
  });

  it('refuses an unsigned or put-signed OTA before set_boot, installs a signed one', async () => {
    const image = buildAppImage({ version: `v9.0.0-${kind}`, totalSize: 150_000 });
    const file = local('fw.bin', image);
    const boot = () => t.board.probeJson<string>('__import__("esp32").Partition(0).info()[4]');
    const unsigned = await cli('ota', '-p', t.prefix, file);
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.out + unsigned.err).toMatch(/unsigned ota refused/);
    const sign = signerFor(store.load('old'), 'old');
    await expect(t.client.run('ota', otaTail(sha(image), 0, sign('put', '', sha(image))), image)).rejects.toThrow(/bad signature/);
    expect(await boot()).toBe('ota_0');
    const signed = await cli('ota', '--sign', 'old', '-p', t.prefix, file);
    expect(signed.code, signed.err).toBe(0);
    expect(await boot()).toBe('ota_1');
  });

  it('a rollout signs every update: unsigned it pauses at the refusal, with --sign it goes through', async () => {
    const file = local('fw-roll.bin', buildAppImage({ version: `v9.1.0-${kind}`, totalSize: 120_000 }));
    const gate = ['--waves', '1', '--online-within', '30', '--confirm-within', '30', '--stable', '1'];
    const unsigned = await cli('rollout', 'start', file, '-p', t.prefix, ...gate);
    expect(unsigned.code).toBe(EXIT_CODES.ROLLOUT_PAUSED);
    expect(unsigned.out + unsigned.err).toMatch(/unsigned ota refused/);
    const signed = await cli('rollout', 'start', file, '-p', t.prefix, '--sign', 'old', ...gate, '--json');
    expect(signed.code, signed.err).toBe(0);
    expect(lastFw()).toBe(`v9.1.0-${kind}`);
  }, 90_000);

  it('rotates keys: trust old and new, switch to new, drop old', async () => {
    const config = fs.readFileSync(flash('board_config.py'), 'utf8');
    const withKeys = (k: SigningKeyInfo[]) => `${config}\n${boardConfigEntry(k)}`;
    const install = async (text: string, key: string) => {
      expectOk(await cli('put', '--sign', key, '-p', t.prefix, local('board_config.py', text), '/board_config.py'));
      const since = t.rig.seen.length;
      await t.board.powerCycle();
      await untilOnlineAgain(t, since, 30_000);
    };
    await install(withKeys([keys.old!, keys.new!]), 'old');
    const file = local('rot.py', 'R = 1\n');
    expectOk(await cli('put', '--sign', 'new', '-p', t.prefix, file, '/rot.py'));
    await install(withKeys([keys.new!]), 'new');
    const stale = await cli('put', '--sign', 'old', '-p', t.prefix, file, '/rot.py');
    expect(stale.err).toMatch(new RegExp(`key ${keys.old!.id}, which this board does not trust`));
    expectOk(await cli('put', '--sign', 'new', '-p', t.prefix, file, '/rot.py'));
  }, 90_000);
});
