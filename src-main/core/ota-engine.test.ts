import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MqbError } from '../common/errors.js';
import { decodeFrame } from '../common/protocol.js';
import { buildAppImage } from '../sim/firmware-image-builder.js';
import { FakeSession } from './fake-session.js';
import { FakeTransferBoard } from './fake-transfer-board.js';
import { OtaEngine, checkOtaImage } from './ota-engine.js';
import type { OtaOptions, OtaProgress } from './ota-engine.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const noWait = { sleep: async () => {}, timeoutMs: 100 } satisfies OtaOptions;

function board(proto: 1 | 2 = 2, prefix = 'sim/b1') {
  const session = new FakeSession();
  const b = new FakeTransferBoard(session, prefix, proto);
  return { b, session, client: b.client() };
}

const otaMessages = (s: FakeSession) => s.published.filter((p) => p.topic.includes('/mqb/cmd/ota/'));

describe('OtaEngine', () => {
  it('uploads an image in 4 KB messages, never more than the window ahead of the acks, and reports progress', async () => {
    const image = randomBytes(300_000);
    const { b, session, client } = board();
    const engine = new OtaEngine();
    const events: OtaProgress[] = [];
    engine.on('progress', (p) => events.push(p));
    const [r] = await engine.start([{ board: client, image }], noWait);
    expect(r).toMatchObject({ ok: true, prefix: 'sim/b1', sha256: sha(image), resumedFrom: 0, attempts: 1, partition: 'ota_1' });
    expect(Buffer.from(b.flash).equals(image)).toBe(true);
    expect(b.booted).toBe(sha(image));
    expect(b.maxAhead).toBeGreaterThan(8); // the window was really used...
    expect(b.maxAhead).toBeLessThanOrEqual(16); // ...and never exceeded
    const sent = otaMessages(session);
    expect(sent).toHaveLength(Math.ceil(300_000 / 4096));
    expect(sent.every((p) => p.payload.length <= 4096 + 2)).toBe(true);
    expect(sent[0]!.topic).toMatch(new RegExp(`^sim/b1/mqb/cmd/ota/[\\w-]{8}/${sha(image)}$`));
    const bytes = events.map((e) => e.sent);
    expect(bytes).toEqual([...bytes].sort((x, y) => x - y));
    expect(events.slice(0, 2).map((e) => e.phase)).toEqual(['queued', 'checking']);
    expect(events.some((e) => e.phase === 'sending')).toBe(true);
    expect(events.at(-1)).toMatchObject({ phase: 'done', sent: 300_000, total: 300_000 });
  });

  it("refuses an image larger than the board's OTA slot before sending anything, naming both sizes", async () => {
    const image = randomBytes(1_800_000);
    const { b, session, client } = board();
    const small = b.client(2000, 0x180000);
    const events: OtaProgress[] = [];
    const engine = new OtaEngine();
    engine.on('progress', (p) => events.push(p));
    const [r] = await engine.start([{ board: small, image }], noWait);
    expect(r).toMatchObject({ ok: false, error: { code: 'USAGE', message: "sim/b1: the image is 1,800,000 bytes, the board's OTA slot holds 1,572,864" } });
    expect(session.published).toHaveLength(0);
    expect(events.map((e) => e.phase)).toEqual(['queued', 'failed']);
    // An image that fits goes through, and a board that does not tell its slot is not refused here.
    expect((await engine.start([{ board: b.client(2000, 1_800_000), image: image.subarray(0, 1000) }], noWait))[0]).toMatchObject({ ok: true });
    expect((await engine.start([{ board: client, image: image.subarray(0, 1000) }], noWait))[0]).toMatchObject({ ok: true });
  });

  it('asks otastat first and sends only what the board does not have yet', async () => {
    const image = randomBytes(300_000);
    const { b, session, client } = board();
    b.otaSha = sha(image);
    b.flash = Uint8Array.from(image.subarray(0, 131_072 + 1000));
    b.otaRecorded = 131_072;
    const [r] = await new OtaEngine().start([{ board: client, image }], noWait);
    expect(r).toMatchObject({ ok: true, resumedFrom: 131_072, attempts: 1 });
    const sent = otaMessages(session);
    expect(sent[0]!.topic.endsWith(`/${sha(image)}/131072`)).toBe(true);
    expect(sent).toHaveLength(Math.ceil((300_000 - 131_072) / 4096));
    expect(Buffer.from(b.flash).equals(image)).toBe(true);
  });

  it('after a power cut mid-upload asks otastat again, resumes where the board recorded, and completes', async () => {
    const image = randomBytes(400_000);
    const { b, client } = board();
    b.cutAfterBytes = 200_000;
    const events: OtaProgress[] = [];
    const engine = new OtaEngine();
    engine.on('progress', (p) => events.push(p));
    const [r] = await engine.start([{ board: client, image }], noWait);
    expect(r).toMatchObject({ ok: true, attempts: 2, resumedFrom: 196_608 });
    expect(b.booted).toBe(sha(image));
    const retry = events.find((e) => e.phase === 'resuming' && e.attempt === 1);
    expect(retry?.message).toMatch(/did not answer ota .*trying again .*attempt 2 of 5/);
  });

  it('gives up after the allowed attempts when the board never comes back', async () => {
    const image = randomBytes(100_000);
    const { b, client } = board();
    b.cutAfterBytes = 50_000;
    b.comesBack = false;
    const [r] = await new OtaEngine().start([{ board: client, image }], { ...noWait, attempts: 3 });
    expect(r).toMatchObject({ ok: false, attempts: 3, error: { code: 'TIMEOUT' } });
  });

  it('starts over from 0 when a resumed image fails its final SHA-256 check', async () => {
    const image = randomBytes(200_000);
    const { b, client } = board();
    b.otaSha = sha(image);
    b.flash = Uint8Array.from(image.subarray(0, 65_536));
    b.flash[100] = b.flash[100]! ^ 1; // what the board kept in flash is damaged
    b.otaRecorded = 65_536;
    const [r] = await new OtaEngine().start([{ board: client, image }], noWait);
    expect(r).toMatchObject({ ok: true, attempts: 2, resumedFrom: 0 });
    expect(b.booted).toBe(sha(image));
  });

  it('stops sending when cancelled', async () => {
    const image = randomBytes(1_000_000);
    const { session, client } = board();
    const ac = new AbortController();
    const engine = new OtaEngine();
    engine.on('progress', (p) => p.sent > 100_000 && ac.abort());
    const [r] = await engine.start([{ board: client, image }], { ...noWait, signal: ac.signal });
    expect(r).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    const count = otaMessages(session).length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(otaMessages(session).length).toBe(count);
    expect(count * 4096).toBeLessThan(100_000 + 17 * 4096);
  });

  it('uses the original protocol on a version-1 board: plain ota, 1,400-byte messages, no otastat', async () => {
    const image = randomBytes(50_000);
    const { b, session, client } = board(1);
    const [r] = await new OtaEngine().start([{ board: client, image }], noWait);
    expect(r).toMatchObject({ ok: true, attempts: 1 });
    expect(b.booted).toBe(sha(image));
    expect(session.published.some((p) => p.topic.includes('/otastat/'))).toBe(false);
    const sent = otaMessages(session);
    expect(sent).toHaveLength(Math.ceil(50_000 / 1400));
    expect(Math.max(...sent.map((p) => p.payload.length - 2))).toBe(1400);
    expect(sent.at(-1)!.topic.endsWith(`/${sha(image)}`)).toBe(true);
    expect(decodeFrame(sent.at(-1)!.payload).last).toBe(true);
  });

  it('upgrades several boards with at most `concurrency` at once, and reports each one', async () => {
    const image = randomBytes(100_000);
    const boards = Array.from({ length: 5 }, (_, i) => board(2, `sim/b${i}`));
    boards[3]!.b.comesBack = false;
    boards[3]!.b.cutAfterBytes = 10_000;
    const engine = new OtaEngine();
    const active = new Set<string>();
    let most = 0;
    const queued = new Set<string>();
    engine.on('progress', (p) => {
      if (p.phase === 'queued') queued.add(p.prefix);
      else if (['done', 'failed', 'cancelled'].includes(p.phase)) active.delete(p.prefix);
      else active.add(p.prefix);
      most = Math.max(most, active.size);
    });
    const results = await engine.start(boards.map((x) => ({ board: x.client, image })), { ...noWait, attempts: 2, concurrency: 2 });
    expect(queued.size).toBe(5);
    expect(most).toBe(2);
    expect(results.map((r) => [r.prefix, r.ok])).toEqual([['sim/b0', true], ['sim/b1', true], ['sim/b2', true], ['sim/b3', false], ['sim/b4', true]]);
  });

  it('runs afterUpload (e.g. reset and wait) and reports its failure as the board\'s', async () => {
    const image = randomBytes(10_000);
    const { client } = board();
    const [r] = await new OtaEngine().start([{ board: client, image }], {
      ...noWait,
      afterUpload: async () => {
        throw new MqbError('TIMEOUT', 'sim/b1 did not come back within 60 s');
      },
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'TIMEOUT', message: 'the upload succeeded, then: sim/b1 did not come back within 60 s' } });
  });
});

describe('checkOtaImage', () => {
  it('shows project and version of a valid image, and refuses what is not one', () => {
    const image = buildAppImage({ version: 'v2.0.0', projectName: 'mqboard', totalSize: 100_000 });
    expect(checkOtaImage(image)).toMatchObject({ project: 'mqboard', version: 'v2.0.0', size: image.length, sha256: sha(image) });
    expect(() => checkOtaImage(new TextEncoder().encode('print("hello")'), 'main.py')).toThrow(/main\.py is not a valid ESP32 app image: .*first byte is 0x70 \(expected 0xE9\)/);
    expect(() => checkOtaImage(new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
