import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressSnapshot } from '../common/ota-plan.js';
import { FakeSession } from './fake-session.js';
import { FakeTransferBoard } from './fake-transfer-board.js';
import { getFile, putFile, readLocal, writeLocalAtomic } from './file-transfer.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function board(proto: 1 | 2 = 2) {
  const session = new FakeSession();
  const b = new FakeTransferBoard(session, 'sim/b1', proto);
  return { b, session, client: b.client(500) };
}

const puts = (s: FakeSession) => s.published.filter((p) => p.topic.includes('/mqb/cmd/put/'));

async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

const tmpDirs: string[] = [];
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('putFile', () => {
  it('sends the file in 4 KB messages with its SHA-256 in the tail, under the window, with progress', async () => {
    const data = randomBytes(100_000);
    const { b, session, client } = board();
    const seen: ProgressSnapshot[] = [];
    const r = await putFile(client, '/lib/big.bin', data, { onProgress: (p) => seen.push(p) });
    expect(r).toEqual({ path: '/lib/big.bin', bytes: 100_000, sha256: sha(data), verified: 'board' });
    expect(Buffer.from(b.files.get('/lib/big.bin')!).equals(data)).toBe(true);
    expect(puts(session)[0]!.topic).toMatch(new RegExp(`/put/[\\w-]{8}/sha256=${sha(data)}//lib/big\\.bin$`));
    expect(puts(session)).toHaveLength(Math.ceil(100_000 / 4096));
    expect(b.maxAhead).toBeLessThanOrEqual(16);
    expect(seen.at(-1)).toMatchObject({ done: 100_000, total: 100_000, fraction: 1 });
  });

  it('a payload corrupted on the way gives SHA_MISMATCH and the old file stays', async () => {
    const { b, client } = board();
    b.files.set('/main.py', new TextEncoder().encode('old contents'));
    b.corruptPutSeq = 1;
    const e = await rejection(putFile(client, '/main.py', randomBytes(10_000)));
    expect(e.code).toBe('SHA_MISMATCH');
    expect(e.message).toMatch(/^SHA-256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}$/);
    expect(new TextDecoder().decode(b.files.get('/main.py'))).toBe('old contents');
  });

  it('an empty file is one empty last message', async () => {
    const { b, session, client } = board();
    await putFile(client, '/empty', new Uint8Array(0));
    expect(b.files.get('/empty')).toEqual(new Uint8Array(0));
    expect(puts(session)).toHaveLength(1);
  });

  it('on a version-1 board: 1,400-byte messages into a temporary file, its hash read back through eval, then renamed by eval', async () => {
    const data = randomBytes(5000);
    const { b, session, client } = board(1);
    const evals: string[] = [];
    b.evalHandler = (code) => {
      evals.push(code);
      if (code.includes('os.rename')) return '"OK"\n';
      const file = b.files.get('/x.bin.mqbtmp')!;
      return `${JSON.stringify({ type: 'f', size: file.length, mtime: 0, sha256: sha(file) })}\n`;
    };
    const r = await putFile(client, '/x.bin', data);
    expect(r.verified).toBe('readback');
    expect(puts(session)[0]!.topic).toMatch(/\/put\/[\w-]{8}\/\/x\.bin\.mqbtmp$/);
    expect(puts(session).map((p) => p.payload.length - 2)).toEqual([1400, 1400, 1400, 800]);
    expect(evals[0]).toMatch(/_mqb_run\("\/x\.bin\.mqbtmp", True\)$/);
    expect(evals[1]).toMatch(/_mqb_run\("\/x\.bin\.mqbtmp", "\/x\.bin"\)$/);
    b.evalHandler = () => JSON.stringify({ type: 'f', size: 5000, mtime: 0, sha256: '0'.repeat(64) });
    expect((await rejection(putFile(client, '/x.bin', data))).code).toBe('SHA_MISMATCH');
  });

  it('stops sending when cancelled', async () => {
    const { session, client } = board();
    const ac = new AbortController();
    const e = await rejection(putFile(client, '/big', randomBytes(1_000_000), { signal: ac.signal, onProgress: (p) => p.done > 50_000 && ac.abort() }));
    expect(e.code).toBe('CANCELLED');
    const n = puts(session).length;
    await new Promise((r) => setTimeout(r, 30));
    expect(puts(session).length).toBe(n);
    expect(n).toBeLessThan(40);
  });
});

describe('getFile', () => {
  it('returns the bytes, checked against the SHA-256 the board computes, with progress', async () => {
    const data = randomBytes(30_000);
    const { b, client } = board();
    b.files.set('/data.bin', data);
    const seen: number[] = [];
    const r = await getFile(client, '/data.bin', { onProgress: (p) => seen.push(p.done) });
    expect(Buffer.from(r.data).equals(data)).toBe(true);
    expect(r).toMatchObject({ bytes: 30_000, sha256: sha(data), verified: 'board' });
    expect(seen.at(-1)).toBe(30_000);
    expect(seen.length).toBeGreaterThan(5);
    expect(b.getChunks).toEqual([4096]); // a version 2 board is asked for 4 KB messages
  });

  it('a reply corrupted on the way gives SHA_MISMATCH; a missing file ENOENT', async () => {
    const { b, client } = board();
    b.files.set('/data.bin', randomBytes(20_000));
    b.corruptGetSeq = 2;
    expect((await rejection(getFile(client, '/data.bin'))).code).toBe('SHA_MISMATCH');
    const missing = await rejection(getFile(client, '/nope.py'));
    expect(missing).toMatchObject({ code: 'BOARD_ERROR', message: 'ENOENT: /nope.py' });
  });
});

describe('local files', () => {
  it('a missing local file is LOCAL_IO; an atomic write replaces the file in one step', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-ft-'));
    tmpDirs.push(dir);
    expect(await rejection(readLocal(path.join(dir, 'nope.py')))).toMatchObject({ code: 'LOCAL_IO', message: expect.stringMatching(/nope\.py: no such file/) });
    const target = path.join(dir, 'sub', 'out.bin');
    await writeLocalAtomic(target, new Uint8Array([1, 2, 3]));
    expect([...fs.readFileSync(target)]).toEqual([1, 2, 3]);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['out.bin']);
  });
});
