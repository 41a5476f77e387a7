import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../sim/test-boards.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const mqboard = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'mqboard.js'), ...args], { encoding: 'utf8' });

describe('mqboard image', () => {
  it('builds an image that checks as valid, and reports a damaged one with exit code 2', () => {
    const file = path.join(makeTempDir(), 'fw.bin');
    const built = mqboard('image', 'build', '-o', file, '--app-version', 'v9.9.9', '--size', '300K');
    expect(built.status).toBe(0);
    expect(fs.statSync(file).size).toBeGreaterThan(290_000);
    const ok = mqboard('image', 'check', file, '--json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, version: 'v9.9.9', project: 'micropython' });
    const bytes = fs.readFileSync(file);
    bytes[5000] = (bytes[5000] ?? 0) ^ 0xff;
    fs.writeFileSync(file, bytes);
    const bad = mqboard('image', 'check', file);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/checksum mismatch/);
    const missing = mqboard('image', 'check', path.join(path.dirname(file), 'nope.bin'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT|no such file/i);
  });
});
