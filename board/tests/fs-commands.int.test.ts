// The version-2 file-system commands (ls, stat, mkdir, rm, rmdir, mv, df), exec, and eval output
// beyond one message (docs/protocol.md), through the original framing.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { TransferRig } from './transfer-harness.js';
import { lastStatus, startTransferRig } from './transfer-harness.js';

interface Entry { name: string; type: 'f' | 'd'; size: number; mtime: number; sha256?: string }

describe.each(BROKER_KINDS)('file-system commands (%s)', (kind) => {
  let t: TransferRig;
  const run = async (cmd: string, tail = '', payload: string | object = '') =>
    (await t.client.run(cmd, tail, Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)))).toString();
  const json = async <T>(cmd: string, tail = '', payload: string | object = '') => JSON.parse(await run(cmd, tail, payload)) as T;
  const flash = (name: string) => path.join(t.board.state.flashDir, name);
  beforeAll(async () => {
    t = await startTransferRig(kind, { files: { 'd/a.txt': 'alpha', 'd/sub/b.txt': 'bravo!', 'd/sub/deeper/c.txt': 'c' } });
  });
  afterAll(() => t?.close());

  it('announces its commands in the status', () => {
    expect(lastStatus(t.rig, t.prefix)?.caps).toEqual(expect.arrayContaining(['eval', 'exec', 'get', 'put', 'ota', 'otastat', 'ls', 'stat', 'mkdir', 'rm', 'rmdir', 'mv', 'df', 'reset']));
  });

  it('lists directories, recursively and with SHA-256, and stats files', async () => {
    const flat = await json<Entry[]>('ls', '/d');
    expect(flat.map((e) => [e.name, e.type]).sort()).toEqual([['a.txt', 'f'], ['sub', 'd']]);
    expect(flat.find((e) => e.name === 'a.txt')).toMatchObject({ size: 5, mtime: expect.any(Number) });
    const deep = await json<Entry[]>('ls', '/d', { recursive: true, sha: true });
    expect(deep.map((e) => e.name).sort()).toEqual(['a.txt', 'sub', 'sub/b.txt', 'sub/deeper', 'sub/deeper/c.txt']);
    expect(deep.find((e) => e.name === 'sub/b.txt')?.sha256).toBe(createHash('sha256').update('bravo!').digest('hex'));
    expect(deep.find((e) => e.name === 'sub')?.sha256).toBeUndefined();
    expect(await json('stat', '/d/a.txt', { sha: true })).toMatchObject({ type: 'f', size: 5, sha256: createHash('sha256').update('alpha').digest('hex') });
    expect(await json('stat', '/d/sub')).toMatchObject({ type: 'd', size: 0 });
    await expect(run('stat', '/d/none')).rejects.toThrow(/^ENOENT: \/d\/none$/);
    await expect(run('ls', '/nowhere')).rejects.toThrow(/^ENOENT: \/nowhere$/);
    await expect(run('ls', '/d/a.txt')).rejects.toThrow(/^ENOTDIR: \/d\/a.txt$/);
    await expect(run('ls', '/d', 'not json')).rejects.toThrow(/bad options/);
  });

  it('streams a listing longer than one message', async () => {
    for (let i = 0; i < 60; i++) fs.writeFileSync(flash(`d/sub/deeper/file-with-a-long-name-${String(i).padStart(3, '0')}.txt`), 'x');
    const entries = await json<Entry[]>('ls', '/d/sub/deeper');
    expect(entries).toHaveLength(61);
    const replies = t.rig.seen.filter((m) => m.topic.startsWith(`${t.prefix}/mqb/reply/out/`) && m.payload.length > 1000);
    expect(replies.length).toBeGreaterThan(1);
  });

  it('makes, moves and removes files and directories', async () => {
    expect(await run('mkdir', '/new/a/b')).toBe('OK'); // with its parents
    expect(await run('mkdir', '/new/a')).toBe('OK'); // already there: fine
    expect(fs.statSync(flash('new/a/b')).isDirectory()).toBe(true);
    await expect(run('mkdir', '/d/a.txt')).rejects.toThrow(/^EEXIST: \/d\/a.txt$/);
    await expect(run('mkdir', '/d/a.txt/x')).rejects.toThrow(/^ENOTDIR: \/d\/a.txt$/);

    fs.writeFileSync(flash('new/one.txt'), 'one');
    fs.writeFileSync(flash('new/two.txt'), 'two');
    expect(await run('mv', '/new/one.txt', '/new/a/moved.txt')).toBe('OK');
    expect(fs.readFileSync(flash('new/a/moved.txt'), 'utf8')).toBe('one');
    expect(await run('mv', '/new/two.txt', '/new/a/moved.txt')).toBe('OK'); // replaces the file
    expect(fs.readFileSync(flash('new/a/moved.txt'), 'utf8')).toBe('two');
    await expect(run('mv', '/new/gone.txt', '/new/x.txt')).rejects.toThrow(/^ENOENT: \/new\/gone.txt$/);
    await expect(run('mv', '/new/a/moved.txt', '/missing/x.txt')).rejects.toThrow(/^ENOENT: \/missing\/x.txt$/);
    await expect(run('mv', '/new/a/moved.txt', '/new/a')).rejects.toThrow(/^EISDIR: \/new\/a$/);

    await expect(run('rm', '/new/a')).rejects.toThrow(/^EISDIR: \/new\/a$/);
    await expect(run('rm', '/new/nothing')).rejects.toThrow(/^ENOENT: \/new\/nothing$/);
    expect(await run('rm', '/new/a/moved.txt')).toBe('OK');
    await expect(run('rmdir', '/d')).rejects.toThrow(/^ENOTEMPTY: \/d$/);
    await expect(run('rmdir', '/d/a.txt')).rejects.toThrow(/^ENOTDIR: \/d\/a.txt$/);
    await expect(run('rmdir', '/')).rejects.toThrow(/^EPERM: \/$/);
    expect(await run('rmdir', '/new/a/b')).toBe('OK');
    expect(await run('rmdir', '/d', { recursive: true })).toBe('OK');
    expect(fs.existsSync(flash('d'))).toBe(false);
    await expect(run('rmdir', '/d')).rejects.toThrow(/^ENOENT: \/d$/);
  });

  it('reports the file system size', async () => {
    const df = await json<{ total: number; free: number; block: number }>('df');
    expect(df).toEqual({ total: 960 * 1024, free: expect.any(Number), block: 4096 });
    expect(df.free).toBeGreaterThan(0);
    expect(df.free).toBeLessThan(df.total);
  });

  it('runs statements with exec and sends long output of eval and exec in many messages', async () => {
    expect(await run('exec', '', 'x = 6 * 7')).toBe('');
    expect(await run('exec', '', 'print(x)')).toBe('42\n');
    await expect(run('exec', '', 'x +')).rejects.toThrow(/SyntaxError/);
    const lines = Array.from({ length: 2000 }, (_, i) => `${String(i).padStart(4, '0')} ${'y'.repeat(20)}\n`).join('');
    const printLines = () => run('exec', '', 'for i in range(2000):\n    print("%04d" % i, "y" * 20)');
    // 52 KB printed: what the MQTT window took went out while the code ran, at most 16 KB more
    // was queued; a note stands where output was dropped and says how much.
    const pieces = (long: string) => {
      const p = long.split(/\[(\d+) bytes of output dropped\]\n/);
      let at = 0;
      for (let i = 0; i < p.length; i += 2) {
        expect(p[i]).toBe(lines.slice(at, at + p[i]!.length));
        at += p[i]!.length + Number(p[i + 1] ?? 0);
      }
      expect(at).toBe(lines.length);
      return p;
    };
    // A fast link: the board finds the acknowledgements in its socket while the code runs (as an
    // ESP32 does), so the window keeps opening; whatever is dropped is noted.
    expect(pieces(await printLines()).filter((_, i) => i % 2 === 0).join('').length).toBeGreaterThan(16_000);
    // A slow link: the window stays full and output is dropped.
    t.board.setNetworkFaults({ latencyMs: 300 });
    const slow = await printLines().finally(() => t.board.setNetworkFaults({ latencyMs: 0 }));
    const dropped = pieces(slow);
    expect(dropped.length).toBeGreaterThan(1);
    expect(dropped[0]!.length).toBeGreaterThan(0); // sent before anything had to be dropped
    // 8,000 characters (six messages): the value, its repr() and the repr's bytes fit an ESP32's
    // heap beside the firmware, even while the output above may still be going out (30,000 took
    // more than the ~53 KB it has free, 15,000 did now and then: MemoryError, as on a board).
    const value = await run('eval', '', '"z" * 8000');
    expect(value).toBe(`'${'z'.repeat(8000)}'`);
  });
});
