// An unmodified original (version-1) client against our board: eval, get, put and ota, with
// the original framing and SEQ flow control (src-main/testing/v1-client.ts).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import { V1BoardError } from '../../src-main/testing/v1-client.js';
import { buildAppImage } from '../../src-main/sim/firmware-image-builder.js';
import type { TransferRig } from './transfer-harness.js';
import { startTransferRig, untilOnlineAgain } from './transfer-harness.js';

describe.each(BROKER_KINDS)('an original MQBoard client against our board (%s)', (kind) => {
  let t: TransferRig;
  beforeAll(async () => {
    t = await startTransferRig(kind);
  });
  afterAll(() => t?.close());

  it('evaluates expressions and statements, and returns tracebacks on err', async () => {
    expect((await t.client.eval('6 * 7')).toString()).toBe('42');
    expect((await t.client.eval('for i in range(3):\n    print("line", i)')).toString()).toBe('line 0\nline 1\nline 2\n');
    await expect(t.client.eval('1 / 0')).rejects.toThrow(V1BoardError);
    await expect(t.client.eval('1 / 0')).rejects.toThrow(/Traceback[\s\S]*ZeroDivisionError/);
  });

  it('puts and gets a 150 KB file byte for byte, with flow control', async () => {
    const data = randomBytes(150_000);
    const acks: number[] = [];
    await t.client.put('/data.bin', data, { onAck: (n) => acks.push(n) });
    // Acks are cumulative (a busy board sends only the newest): multiples of 8, increasing,
    // up to the last window of the 108 messages.
    expect(acks.length).toBeGreaterThan(3);
    expect(acks.every((n, i) => n % 8 === 0 && (i === 0 || n > acks[i - 1]!))).toBe(true);
    expect(acks.at(-1)).toBeGreaterThanOrEqual(Math.ceil(150_000 / 1400) - 16);
    expect(Buffer.compare(await t.client.get('/data.bin'), data)).toBe(0);
    // A second put replaces the file; no temporary file is left behind.
    const smaller = randomBytes(5000);
    await t.client.put('/data.bin', smaller);
    expect(Buffer.compare(await t.client.get('/data.bin'), smaller)).toBe(0);
    const names = (await t.client.eval('__import__("os").listdir("/")')).toString();
    expect(names).toContain("'data.bin'");
    expect(names).not.toContain('mqbtmp');
  });

  it('gets a missing file as an err reply', async () => {
    await expect(t.client.get('/nope.txt')).rejects.toThrow('ENOENT: /nope.txt');
  });

  it('installs a 1.5 MB firmware image; after a reset the board runs it', async () => {
    const image = buildAppImage({ version: `v2.1.0-${kind}`, totalSize: 1_500_000 });
    await t.board.probe('import mqb_ota, gc\ngc.collect()'); // compiled before we measure
    t.board.resetHeapPeak();
    await new Promise((r) => setTimeout(r, 2000));
    const steady = t.board.heap().peak;
    t.board.resetHeapPeak();
    const started = Date.now();
    await t.client.ota(image);
    const seconds = (Date.now() - started) / 1000;
    const during = t.board.heap().peak;
    console.log(`${kind}: 1.5 MB OTA through the v1 client in ${seconds.toFixed(1)} s (${(1.5 / seconds).toFixed(2)} MB/s); ` +
      `heap peak ${(during / 1024).toFixed(1)} KB vs steady ${(steady / 1024).toFixed(1)} KB: +${((during - steady) / 1024).toFixed(1)} KB`);
    expect(during - steady).toBeLessThan(16 * 1024);

    const since = t.rig.seen.length;
    await t.client.resetHard();
    const status = await untilOnlineAgain(t, since);
    expect(status).toMatchObject({ fw: `v2.1.0-${kind}`, partition: 'ota_1', pending_verify: true });
  }, 120_000);
});
