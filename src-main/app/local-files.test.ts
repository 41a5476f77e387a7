import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TRANSFER_BYTES } from '../common/contract.js';
import { LocalFiles } from './local-files.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-local-'));
const file = path.join(dir, 'fw.bin');
fs.writeFileSync(file, Uint8Array.of(0xe9, 1, 2));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('local files from the UI', () => {
  it('takes bytes as they are', async () => {
    const got = await new LocalFiles(false).read({ kind: 'bytes', name: 'a.bin', data: Uint8Array.of(1) });
    expect(got).toEqual({ name: 'a.bin', data: Uint8Array.of(1) });
  });

  it('refuses any path in the web mode', async () => {
    const files = new LocalFiles(false);
    files.grant(file);
    await expect(files.read({ kind: 'path', path: file })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
  });

  it('reads only paths the user chose (dialog or drop) in the desktop app', async () => {
    const files = new LocalFiles(true);
    await expect(files.read({ kind: 'path', path: file })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: `${file} was not chosen in the file dialog or dropped on the window` });
    files.grant(file);
    const got = await files.read({ kind: 'path', path: file });
    expect(got.name).toBe('fw.bin');
    expect([...got.data]).toEqual([0xe9, 1, 2]);
    // The same file spelled another way is the same file; another file is not.
    expect((await files.read({ kind: 'path', path: path.join(dir, '.', 'fw.bin') })).name).toBe('fw.bin');
    await expect(files.read({ kind: 'path', path: path.join(dir, '..', path.basename(dir), 'other.bin') })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('refuses a chosen file above the transfer limit, saying what the limit is', async () => {
    const big = path.join(dir, 'big.bin');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, MAX_TRANSFER_BYTES + 1); // sparse: nothing is written
    const files = new LocalFiles(true);
    files.grant(big);
    await expect(files.read({ kind: 'path', path: big })).rejects.toMatchObject({ code: 'USAGE', message: 'big.bin is 16.0 MB: at most 16.0 MB can be transferred at once' });
  });
});
