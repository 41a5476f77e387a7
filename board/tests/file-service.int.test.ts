// put and get beyond what an original client uses (docs/protocol.md, v2 changes): the SHA-256
// check, temporary file + rename, sequence checks, disk full, message size, and power cuts.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import { V1Client } from '../../src-main/testing/v1-client.js';
import { until } from './firmware-harness.js';
import type { TransferRig } from './transfer-harness.js';
import { powerBackOn, startTransferRig } from './transfer-harness.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const frame = (seq: number, last: boolean, body: Uint8Array) => Buffer.concat([Buffer.from([(last ? 0x80 : 0) | (seq >> 8), seq & 0xff]), body]);

describe.each(BROKER_KINDS)('file transfers (%s)', (kind) => {
  let t: TransferRig;
  const flash = (name: string) => path.join(t.board.state.flashDir, name);
  const onBoard = (name: string) => fs.readFileSync(flash(name));
  beforeAll(async () => {
    // filler.bin leaves about 300 KB of the stock table's 960 KiB file system free beside the firmware (.mpy) and its safe-mode copy
    // (in 4 KB blocks), so that a full disk is reached quickly.
    const files = { 'keep.txt': 'the old contents\n', 'stale.txt.mqbtmp': 'left by a power cut', 'filler.bin': 'f'.repeat(300_000) };
    t = await startTransferRig(kind, { files });
  });
  afterAll(() => t?.close());

  it('checks the SHA-256 of a put: a mismatch is refused and the old file stays', async () => {
    const data = randomBytes(20_000);
    await t.client.put(`sha256=${sha(data)}//keep.txt`, data);
    expect(onBoard('keep.txt').equals(data)).toBe(true);
    const wrong = sha(Buffer.from('something else'));
    await expect(t.client.put(`sha256=${wrong}//keep.txt`, randomBytes(3000))).rejects.toThrow(`SHA-256 mismatch: expected ${wrong}, got `);
    expect(onBoard('keep.txt').equals(data)).toBe(true);
    expect(fs.existsSync(flash('keep.txt.mqbtmp'))).toBe(false);
  });

  it('refuses a put into a missing directory or over a directory, clearly', async () => {
    await expect(t.client.put('/nodir/x.py', Buffer.from('x'))).rejects.toThrow(/^ENOENT: \/nodir$/);
    await expect(t.client.put('/lib', Buffer.from('x'))).rejects.toThrow(/^EISDIR: \/lib$/);
    await expect(t.client.put('sha256=123/x.py', Buffer.from('x'))).rejects.toThrow(/64 hex digits/);
  });

  it('replaces a temporary file a power cut left behind', async () => {
    await t.client.put('/stale.txt', Buffer.from('fresh'));
    expect(onBoard('stale.txt').toString()).toBe('fresh');
    expect(fs.existsSync(flash('stale.txt.mqbtmp'))).toBe(false);
  });

  it('drops redelivered messages and ends an upload at a gap, removing the temporary file', async () => {
    const id = 'dupTest1';
    const topic = `${t.prefix}/mqb/cmd/put//seq.txt`.replace('put/', `put/${id}/`);
    for (const [seq, last, text] of [[0, false, 'a'], [1, false, 'b'], [1, false, 'b'], [0, false, 'a'], [2, true, 'c']] as const) {
      await t.conn.publishAsync(topic, frame(seq, last, Buffer.from(text)), { qos: 1 });
    }
    await until('OK', () => t.rig.seen.find((m) => m.topic === `${t.prefix}/mqb/reply/out/${id}` && m.payload.subarray(2).toString() === 'OK'));
    expect(onBoard('seq.txt').toString()).toBe('abc');

    const gap = 'gapTest1';
    const gapTopic = `${t.prefix}/mqb/cmd/put/${gap}//seq.txt`;
    await t.conn.publishAsync(gapTopic, frame(0, false, Buffer.from('x')), { qos: 1 });
    await t.conn.publishAsync(gapTopic, frame(2, true, Buffer.from('z')), { qos: 1 });
    const err = await until('gap err', () => t.rig.seen.find((m) => m.topic === `${t.prefix}/mqb/reply/err/${gap}`));
    expect(err.payload.toString()).toBe('sequence gap: expected message 1, got 2');
    expect(onBoard('seq.txt').toString()).toBe('abc');
    expect(fs.existsSync(flash('seq.txt.mqbtmp'))).toBe(false);
  });

  it('runs at most two uploads at once; a newer upload of the same path replaces the older', async () => {
    const start = (id: string, file: string) => t.conn.publishAsync(`${t.prefix}/mqb/cmd/put/${id}/${file}`, frame(0, false, Buffer.from('part')), { qos: 1 });
    const errOf = (id: string) => until(`err of ${id}`, () => t.rig.seen.find((m) => m.topic === `${t.prefix}/mqb/reply/err/${id}`)?.payload.toString());
    await start('upOne001', '/one.txt');
    await start('upTwo001', '/two.txt');
    await start('upThree1', '/three.txt');
    expect(await errOf('upThree1')).toBe('busy: 2 uploads in progress, try again later');
    await start('upOne002', '/one.txt');
    expect(await errOf('upOne001')).toBe('upload superseded by a newer upload of /one.txt');
    // The survivors finish normally.
    await t.conn.publishAsync(`${t.prefix}/mqb/cmd/put/upOne002//one.txt`, frame(1, true, Buffer.from('!')), { qos: 1 });
    await t.conn.publishAsync(`${t.prefix}/mqb/cmd/put/upTwo001//two.txt`, frame(1, true, Buffer.from('?')), { qos: 1 });
    await until('both written', () => fs.existsSync(flash('one.txt')) && fs.existsSync(flash('two.txt')));
    expect(onBoard('one.txt').toString()).toBe('part!');
    expect(onBoard('two.txt').toString()).toBe('part?');
  });

  it('answers a full disk with ENOSPC and frees the space again', async () => {
    const df = async () => JSON.parse((await t.client.run('df', '', Buffer.alloc(0))).toString()) as { free: number };
    const before = (await df()).free;
    expect(before).toBeLessThan(500_000);
    await expect(t.client.put('/huge.bin', randomBytes(before + 50_000))).rejects.toThrow('ENOSPC: /huge.bin');
    expect(fs.existsSync(flash('huge.bin.mqbtmp'))).toBe(false);
    expect((await df()).free).toBe(before);
  });

  it('streams a get in 4 KB messages when asked, ending with an empty last message', async () => {
    const data = randomBytes(10_000);
    fs.writeFileSync(flash('four.bin'), data);
    const since = t.rig.seen.length;
    const reply = await t.client.run('get', '/four.bin', Buffer.from('{"chunk": 4096}'));
    expect(reply.equals(data)).toBe(true);
    const sizes = await until('all replies', () => {
      const replies = t.rig.seen.slice(since).filter((m) => m.topic.startsWith(`${t.prefix}/mqb/reply/out/`));
      return replies.length >= 4 && replies.map((m) => m.payload.length - 2);
    });
    expect(sizes).toEqual([4096, 4096, 1808, 0]);
    await expect(t.client.run('get', '/lib', Buffer.alloc(0))).rejects.toThrow('EISDIR: /lib');
    await expect(t.client.run('get', '/four.bin', Buffer.from('{"chunk": 9000}'))).rejects.toThrow(/chunk/);
  });

  it('keeps the old file when the power fails in the middle of a put', async () => {
    const old = onBoard('keep.txt');
    const client = new V1Client(t.conn, t.prefix, { idleTimeoutMs: 2000 });
    const cut = new Promise<void>((resolve) => t.board.once('power-cut', () => resolve()));
    t.board.armPowerCut({ target: 'file', pathIncludes: '.mqbtmp', afterWrites: 30, keepBytes: 100 });
    const put = client.put('/keep.txt', randomBytes(200_000));
    await cut;
    await expect(put).rejects.toThrow(/no answer/);
    expect(fs.existsSync(flash('keep.txt.mqbtmp'))).toBe(true); // torn, as the power left it
    await powerBackOn(t);
    expect((await t.client.get('/keep.txt')).equals(old)).toBe(true);
    const fresh = randomBytes(150_000);
    await t.client.put('/keep.txt', fresh);
    expect(onBoard('keep.txt').equals(fresh)).toBe(true);
    expect(fs.existsSync(flash('keep.txt.mqbtmp'))).toBe(false);
  }, 60_000);
});
