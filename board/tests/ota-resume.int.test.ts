// ota beyond what an original client uses (docs/protocol.md, v2 changes): refusals, otastat,
// and an upload that a power cut interrupted, resumed where the board recorded its progress.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import { V1Client } from '../../src-main/testing/v1-client.js';
import { buildAppImage } from '../../src-main/sim/firmware-image-builder.js';
import type { TransferRig } from './transfer-harness.js';
import { lastStatus, powerBackOn, startTransferRig, untilOnlineAgain } from './transfer-harness.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const OTA_BLOCK = 4096;

describe.each(BROKER_KINDS)('firmware upload (%s)', (kind) => {
  let t: TransferRig;
  const otastat = async (digest: string) =>
    JSON.parse((await t.client.run('otastat', digest, Buffer.alloc(0))).toString()) as { sha: string; offset: number; partition: string };
  const bootPartition = () => t.board.probeJson<string>('__import__("esp32").Partition(0).info()[4]');
  beforeAll(async () => {
    t = await startTransferRig(kind);
  });
  afterAll(() => t?.close());

  it('refuses what is not an app image, a wrong SHA-256 and a resume it cannot honour; the boot partition stays', async () => {
    const image = buildAppImage({ version: 'v3.0.0-bad', totalSize: 200_000 });
    const notImage = Buffer.from(image);
    notImage[0] = 0x7f;
    await expect(t.client.ota(notImage)).rejects.toThrow('not an ESP32 app image');
    const wrong = sha(Buffer.from('another image'));
    await expect(t.client.run('ota', wrong, image)).rejects.toThrow(`SHA-256 mismatch: expected ${wrong}, got ${sha(image)}`);
    await expect(t.client.run('ota', `${sha(image)}/8192`, image.subarray(8192))).rejects.toThrow(/cannot resume at 8192, 0 bytes/);
    await expect(t.client.run('ota', `${sha(image)}/100`, image.subarray(100))).rejects.toThrow(/multiple of 4096/);
    await expect(t.client.run('otastat', 'xyz', Buffer.alloc(0))).rejects.toThrow(/64 hex digits/);
    expect(await otastat(sha(image))).toEqual({ sha: sha(image), offset: 0, partition: 'ota_1' });
    expect(await bootPartition()).toBe('ota_0');
  });

  it('resumes an upload a power cut interrupted; the board kept booting its firmware meanwhile', async () => {
    const version = `v3.1.0-${kind}`;
    const image = buildAppImage({ version, totalSize: 600_000 });
    const digest = sha(image);
    const cut = new Promise<void>((resolve) => t.board.once('power-cut', () => resolve()));
    t.board.armPowerCut({ target: 'flash', afterWrites: 40, keepBytes: 1000 }); // in the 41st 4 KB block
    const upload = new V1Client(t.conn, t.prefix, { idleTimeoutMs: 2000 }).ota(image);
    await cut;
    await expect(upload).rejects.toThrow(/no answer/);
    await powerBackOn(t);
    expect(lastStatus(t.rig, t.prefix)).toMatchObject({ fw: 'v1.27.0', partition: 'ota_0' });

    const { offset, partition } = await otastat(digest);
    expect(partition).toBe('ota_1');
    expect(offset).toBeGreaterThan(0);
    expect(offset % OTA_BLOCK).toBe(0);
    expect(offset).toBeLessThanOrEqual(40 * OTA_BLOCK);
    // A resume past what the board recorded is refused; from the recorded offset it completes.
    await expect(t.client.run('ota', `${digest}/${offset + OTA_BLOCK}`, image.subarray(offset + OTA_BLOCK))).rejects.toThrow(/cannot resume/);
    expect((await t.client.run('ota', `${digest}/${offset}`, image.subarray(offset), { flowControl: true })).toString()).toBe('OK');
    expect((await otastat(digest)).offset).toBe(0); // the progress record is gone once it ended
    expect(await bootPartition()).toBe('ota_1');

    const since = t.rig.seen.length;
    await t.client.run('reset', '', Buffer.from('hard'));
    expect(await untilOnlineAgain(t, since)).toMatchObject({ fw: version, partition: 'ota_1', pending_verify: true });
  }, 60_000);
});
