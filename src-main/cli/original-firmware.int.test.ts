// The CLI against a board on the ORIGINAL MQBoard firmware (protocol v1, no status, no put acks,
// in-place writes, eval of a lone expression as an expression): the protocol-level fake of
// src-main/testing/original-board.ts, one per broker kind, every command in one file.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../common/errors.js';
import type { MqbError } from '../common/errors.js';
import { resolveConnection } from '../core/broker-profile.js';
import { Engine } from '../core/engine.js';
import { putFile } from '../core/file-transfer.js';
import { writeTestImage } from '../sim/firmware-image-builder.js';
import { makeTempDir } from '../sim/test-boards.js';
import { BROKER_KINDS, startTestBroker } from '../testing/brokers.js';
import type { TestBroker } from '../testing/brokers.js';
import { OriginalBoard } from '../testing/original-board.js';
import { runTestCli } from './cli-test-io.js';

const PREFIX = 'esp32/orig';

describe.each(BROKER_KINDS)('mqboard CLI against an original-firmware board on %s', (kind) => {
  let broker: TestBroker;
  let board: OriginalBoard;
  let env: Record<string, string>;
  const cli = (args: string[]) => runTestCli(args, env);

  beforeAll(async () => {
    broker = await startTestBroker(kind);
    board = new OriginalBoard({ url: broker.url, prefix: PREFIX, heartbeatMs: 300 });
    await board.start();
    // A short --timeout: no status comes, so each command waits that long before its eval probe.
    env = { MQBOARD_SERVER: broker.url, MQBOARD_TIMEOUT: '1.5', MQBOARD_HISTORY: path.join(makeTempDir(), 'history') };
  }, 30_000);
  afterAll(async () => {
    await board?.stop();
    await broker?.close();
  });

  it('fleet lists it as original firmware; eval and exec work; v1-only limits get a clear message', async () => {
    const fleet = await cli(['fleet', '--listen', '2']);
    expect(fleet.out).toMatch(/^esp32\/orig +yes +online +original firmware/m);
    const json = JSON.parse((await cli(['fleet', '--json', '--listen', '2'])).out) as Array<Record<string, unknown>>;
    expect(json).toEqual([expect.objectContaining({ prefix: PREFIX, original: true, proto: 1 })]);
    expect(await cli(['eval', '-p', PREFIX, '6 * 7'])).toMatchObject({ code: 0, out: '42\n' });
    expect(await cli(['exec', '-p', PREFIX, '-c', 'print(123*3)'])).toMatchObject({ code: 0, out: '369\n' });
    expect(board.serial.join('')).not.toContain('369');
    const crash = await cli(['crashlog', '-p', PREFIX]);
    expect(crash.code).toBe(EXIT_CODES.UNSUPPORTED);
    expect(crash.err).toMatch(/no crash log \(protocol v1\)/);
    expect((await cli(['eval', '-p', 'esp32/none', '1'])).err).toMatch(/no board "esp32\/none".*no answer to an eval/);
  }, 30_000);

  it('view shows its log lines (on <prefix>/log, the original topic) as they come', async () => {
    const view = await cli(['view', '-p', PREFIX, '--grep', 'fed', '--count', '2', '--duration', '10']);
    expect(view.code, view.err).toBe(0);
    expect(view.out.trimEnd().split('\n')).toEqual([expect.stringMatching(/I .*watchdog: fed$/), expect.stringMatching(/I .*watchdog: fed$/)]);
    expect(view.err).toBe(''); // heard on its log: no "no status" warning about a typo
  }, 30_000);

  it('repl: no tty on version 1, said once; statements then run through eval', async () => {
    const repl = await runTestCli(['repl', '-p', PREFIX], env, '6 * 7\n');
    expect(repl.code, repl.err).toBe(0);
    expect(repl.err).toMatch(/esp32\/orig has no interactive REPL \(protocol v1\): each statement is run with eval/);
    expect(repl.err.match(/no interactive REPL/g)).toHaveLength(1);
    expect(repl.out).toContain('42');
  }, 30_000);

  it('files: mkdir, put/get of 150 KB byte-identical, ls, mv, rm, rmdir; an interrupted put leaves the old file', async () => {
    const dir = makeTempDir();
    const local = path.join(dir, 'big.bin');
    const data = randomBytes(150 * 1024);
    fs.writeFileSync(local, data);
    expect((await cli(['mkdir', '-p', PREFIX, '/d'])).code).toBe(0);
    const put = await cli(['put', '-p', PREFIX, local, '/d/big.bin']);
    expect(put.code, put.err).toBe(0);
    expect(board.fs.read('/d/big.bin').equals(data)).toBe(true);
    expect(board.fs.exists('/d/big.bin.mqbtmp')).toBe(false);
    const back = path.join(dir, 'back.bin');
    expect((await cli(['get', '-p', PREFIX, '/d/big.bin', back])).code).toBe(0);
    expect(fs.readFileSync(back).equals(data)).toBe(true);
    const ls = JSON.parse((await cli(['ls', '-p', PREFIX, '--json', '/d'])).out) as Array<{ name: string; size: number }>;
    expect(ls).toEqual([expect.objectContaining({ name: 'big.bin', size: data.length })]);

    // Interrupted halfway: the board still has the old file, whole.
    const engine = new Engine();
    const conn = resolveConnection({ server: broker.url }, {});
    await engine.connect(conn.profile, { discover: false });
    try {
      const { client } = await engine.openBoard(conn.profile.id, PREFIX, { waitMs: 500 });
      const ac = new AbortController();
      const e = await putFile(client, '/d/big.bin', randomBytes(150 * 1024), { signal: ac.signal, onProgress: (p) => p.done > 60_000 && ac.abort() }).catch((x: unknown) => x as MqbError);
      expect((e as MqbError).code).toBe('CANCELLED');
    } finally {
      await engine.close();
    }
    expect(board.fs.read('/d/big.bin').equals(data)).toBe(true);

    expect((await cli(['mv', '-p', PREFIX, '/d/big.bin', '/d/moved.bin'])).code).toBe(0);
    expect(board.fs.exists('/d/moved.bin')).toBe(true);
    expect((await cli(['rm', '-p', PREFIX, '/d/moved.bin'])).code).toBe(0);
    expect((await cli(['rm', '-p', PREFIX, '/d/big.bin.mqbtmp'])).code).toBe(0);
    expect((await cli(['rmdir', '-p', PREFIX, '/d'])).code).toBe(0);
    expect(board.fs.exists('/d')).toBe(false);
  }, 60_000);

  it('ota of 1.5 MB; reset (--wait refused clearly: no status to follow)', async () => {
    const { path: image, image: bytes } = await writeTestImage(path.join(makeTempDir(), 'fw.bin'), { version: 'v1.27.0-orig', totalSize: 1_500_000 });
    const ota = await cli(['ota', '-p', PREFIX, image]);
    expect(ota.code, ota.err).toBe(0);
    expect(board.otaImages).toHaveLength(1);
    expect(bytes.length).toBeLessThan(1_572_864);
    const waited = await cli(['reset', '-p', PREFIX, '--wait', '5']);
    expect(waited.code).toBe(EXIT_CODES.UNSUPPORTED);
    expect(waited.err).toMatch(/original firmware, which publishes no status/);
    expect(await cli(['reset', '-p', PREFIX])).toMatchObject({ code: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect(board.resets).toBe(1);
  }, 60_000);
});
