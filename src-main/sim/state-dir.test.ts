import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StateDirError, openStateDir } from './state-dir.js';
import { makeTempDir, removeTempDirs } from './test-boards.js';

afterAll(removeTempDirs);

describe('board state directory', () => {
  it('creates the layout once and reopens it with the same identity', () => {
    const root = path.join(makeTempDir(), 'b1');
    const a = openStateDir(root, { id: 'b1', initialImage: () => new Uint8Array([0xe9]) });
    const b = openStateDir(root, { id: 'b1' });
    expect(b.identity).toEqual(a.identity);
    expect(a.identity.uniqueIdHex).toMatch(/^[0-9a-f]{12}$/);
    expect(fs.readdirSync(root).sort()).toEqual(['board.json', 'flash', 'partitions']);
    expect(fs.readdirSync(a.partitionDir).sort()).toEqual(['ota_0.bin', 'ota_1.bin']);
  });

  it('refuses directories that are not a board\'s, without altering them', () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    expect(() => openStateDir(dir, { id: 'x' })).toThrow(StateDirError);
    expect(() => openStateDir(dir, { id: 'x' })).toThrow(/not empty and is not a virtual board state directory/);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);

    const file = path.join(dir, 'notes.txt');
    expect(() => openStateDir(file, { id: 'x' })).toThrow(/is not a directory/);

    const other = path.join(dir, 'other');
    openStateDir(other, { id: 'other' });
    expect(() => openStateDir(other, { id: 'x' })).toThrow(/belongs to board "other", not "x"/);

    fs.writeFileSync(path.join(other, 'board.json'), '{not json');
    expect(() => openStateDir(other, { id: 'other' })).toThrow(/not a readable virtual board identity/);
  });

  it('refuses a partition file larger than the partition', () => {
    const root = path.join(makeTempDir(), 'b2');
    const s = openStateDir(root, { id: 'b2' });
    fs.writeFileSync(path.join(s.partitionDir, 'ota_1.bin'), '');
    fs.truncateSync(path.join(s.partitionDir, 'ota_1.bin'), 16 * 1024 * 1024 + 1);
    expect(() => openStateDir(root, { id: 'b2' })).toThrow(/larger than any app partition \(16777216 bytes\)/);
  });
});
