import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeSession } from './fake-session.js';
import { FakeTransferBoard } from './fake-transfer-board.js';
import { BoardFs } from './fs-ops.js';

const enc = (s: string) => new TextEncoder().encode(s);

function board(proto: 1 | 2 = 2) {
  const session = new FakeSession();
  const b = new FakeTransferBoard(session, 'sim/b1', proto);
  b.dirs.add('/lib');
  b.files.set('/main.py', enc('print(1)'));
  b.files.set('/lib/a.py', enc('A'));
  return { b, session, fs: new BoardFs(b.client(500)) };
}

const cmds = (s: FakeSession) => s.published.map((p) => p.topic.replace(/\/mqb\/cmd\/(\w+)\/[\w-]{8}/, ' $1'));

describe('BoardFs on a version-2 board', () => {
  it('uses the v2 commands with their tails and JSON options', async () => {
    const { b, session, fs } = board();
    expect(await fs.ls('/', { sha: true })).toEqual(
      expect.arrayContaining([
        { name: 'lib', type: 'd', size: 0, mtime: 0 },
        { name: 'main.py', type: 'f', size: 8, mtime: 0, sha256: createHash('sha256').update('print(1)').digest('hex') },
      ]),
    );
    expect((await fs.ls('/', { recursive: true })).map((e) => e.name).sort()).toEqual(['lib', 'lib/a.py', 'main.py']);
    expect(await fs.stat('/lib/a.py')).toEqual({ type: 'f', size: 1, mtime: 0 });
    await fs.mkdir('/x/y/z', { parents: true });
    expect(b.dirs.has('/x/y/z')).toBe(true);
    await fs.mv('/lib/a.py', '/lib/b.py');
    expect([...b.files.keys()].sort()).toEqual(['/lib/b.py', '/main.py']);
    await fs.rm('/main.py');
    await fs.rmdir('/lib', { recursive: true });
    expect(b.files.size).toBe(0);
    expect(await fs.df()).toEqual({ total: 2_000_000, free: 1_000_000, block: 4096 });
    expect(cmds(session)).toEqual([
      'sim/b1 ls//', 'sim/b1 ls//', 'sim/b1 stat//lib/a.py',
      'sim/b1 mkdir//x', 'sim/b1 mkdir//x/y', 'sim/b1 mkdir//x/y/z',
      'sim/b1 mv//lib/a.py', 'sim/b1 rm//main.py', 'sim/b1 rmdir//lib', 'sim/b1 df',
    ]);
    expect(new TextDecoder().decode(session.published[0]!.payload.subarray(2))).toBe('{"recursive":false,"sha":true}');
  });

  it('reports the board errors with the errno and path; exists() says undefined for ENOENT', async () => {
    const { fs } = board();
    await expect(fs.stat('/nope')).rejects.toMatchObject({ code: 'BOARD_ERROR', message: 'ENOENT: /nope' });
    await expect(fs.rm('/lib')).rejects.toMatchObject({ message: 'EISDIR: /lib' });
    await expect(fs.rmdir('/lib')).rejects.toMatchObject({ message: 'ENOTEMPTY: /lib' });
    expect(await fs.exists('/nope')).toBeUndefined();
    expect(await fs.exists('/lib')).toMatchObject({ type: 'd' });
  });
});

describe('BoardFs on a version-1 board', () => {
  it('builds the operations from eval snippets and maps their errno answers', async () => {
    const { b, session, fs } = board(1);
    const code: string[] = [];
    b.evalHandler = (src) => {
      code.push(src);
      if (src.includes('_mqb_run("/nope"')) return '{"err": "ENOENT"}\n';
      if (src.includes('os.statvfs')) return '{"total": 100, "free": 50, "block": 4}\n';
      return '"OK"\n';
    };
    await expect(fs.stat('/nope')).rejects.toMatchObject({ code: 'BOARD_ERROR', message: 'ENOENT: /nope' });
    expect(await fs.exists('/nope')).toBeUndefined();
    await fs.mkdir('/a/b', { parents: true });
    await fs.mv('/x', '/y "quoted"');
    expect(await fs.df()).toEqual({ total: 100, free: 50, block: 4 });
    expect(session.published.every((p) => p.topic.includes('/mqb/cmd/eval/'))).toBe(true);
    expect(code[2]).toMatch(/_mqb_run\("\/a"\)$/);
    expect(code[3]).toMatch(/_mqb_run\("\/a\/b"\)$/);
    expect(code[4]).toMatch(/_mqb_run\("\/x", "\/y \\"quoted\\""\)$/);
  });
});
