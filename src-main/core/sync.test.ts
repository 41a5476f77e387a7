import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSession } from './fake-session.js';
import { FakeTransferBoard } from './fake-transfer-board.js';
import { BoardFs } from './fs-ops.js';
import { describeAction, planBoardSync, runSync } from './sync.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-sync-'));
  dirs.push(dir);
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

function board() {
  const session = new FakeSession();
  const b = new FakeTransferBoard(session, 'sim/b1');
  b.dirs.add('/lib');
  b.files.set('/main.py', enc('main v1'));
  b.files.set('/board_config.py', enc('cfg'));
  b.files.set('/lib/same.py', enc('same'));
  b.files.set('/lib/old.py', enc('old'));
  b.files.set('/lib/stale.py', enc('stale'));
  return { b, session, bfs: new BoardFs(b.client(500)) };
}

const SPEC = `# test spec
/:
  main.py
/lib:
  lib: *.py
  extra.txt->notes.txt
/safemode: --check-only
  boot.py
`;

describe('sync', () => {
  it('plans puts for new and changed files, skips identical ones, checks check-only blocks, deletes extras on request', async () => {
    const dir = tree({ 'main.py': 'main v2', 'lib/same.py': 'same', 'lib/new.py': 'new', 'extra.txt': 'notes', 'boot.py': 'boot' });
    const { bfs } = board();
    const plan = await planBoardSync(bfs, SPEC, dir, { deleteExtra: true });
    expect(plan.map(describeAction)).toEqual([
      'put    /main.py  <- main.py (changed)',
      'put    /lib/new.py  <- lib/new.py (new)',
      'skip   /lib/same.py  <- lib/same.py (identical)',
      'put    /lib/notes.txt  <- extra.txt (new)',
      'check  /safemode/boot.py  <- boot.py (missing on the board)',
      'skip   /board_config.py (kept: board configuration or state)',
      'delete /lib/old.py (not in the spec)',
      'delete /lib/stale.py (not in the spec)',
    ]);
    expect(plan.find((a) => a.op === 'check')?.differs).toBe(true);
  });

  it('executes the plan: the board ends up with the spec, extras gone, config kept', async () => {
    const dir = tree({ 'main.py': 'main v2', 'lib/same.py': 'same', 'lib/new.py': 'new', 'extra.txt': 'notes', 'boot.py': 'boot' });
    const { b, session, bfs } = board();
    await runSync(bfs, await planBoardSync(bfs, SPEC.replace(/\/safemode[\s\S]*/, ''), dir, { deleteExtra: true }), dir);
    expect([...b.files.keys()].sort()).toEqual(['/board_config.py', '/lib/new.py', '/lib/notes.txt', '/lib/same.py', '/main.py']);
    expect(dec(b.files.get('/main.py'))).toBe('main v2');
    // A second run finds nothing to do, and sends no file.
    const before = session.published.length;
    const again = await planBoardSync(bfs, SPEC.replace(/\/safemode[\s\S]*/, ''), dir, { deleteExtra: true });
    expect(again.filter((a) => a.op !== 'skip')).toEqual([]);
    expect(session.published.slice(before).every((p) => p.topic.includes('/mqb/cmd/ls/'))).toBe(true);
  });

  it('creates a missing target directory first; --no-update leaves existing files alone', async () => {
    const dir = tree({ 'a.py': 'a', 'main.py': 'changed' });
    const { b, bfs } = board();
    const plan = await planBoardSync(bfs, '/apps:\n  a.py\n/: --no-update\n  main.py\n', dir);
    expect(plan.map((a) => `${a.op} ${a.target}`)).toEqual(['mkdir /apps', 'put /apps/a.py', 'skip /main.py']);
    await runSync(bfs, plan, dir);
    expect(b.dirs.has('/apps')).toBe(true);
    expect(dec(b.files.get('/main.py'))).toBe('main v1');
  });

  it('--pull copies the board files over the local ones (wildcards match what the board has)', async () => {
    const dir = tree({ 'main.py': 'local main', 'lib/same.py': 'same' });
    const { bfs } = board();
    const plan = await planBoardSync(bfs, '/:\n  main.py\n/lib:\n  lib: *.py\n', dir, { pull: true });
    expect(plan.map((a) => `${a.op} ${a.target} ${a.source} ${a.reason}`)).toEqual([
      'pull /main.py main.py changed',
      'skip /lib/same.py lib/same.py identical',
      'pull /lib/old.py lib/old.py new',
      'pull /lib/stale.py lib/stale.py new',
    ]);
    await runSync(bfs, plan, dir);
    expect(fs.readFileSync(path.join(dir, 'main.py'), 'utf8')).toBe('main v1');
    expect(fs.readFileSync(path.join(dir, 'lib', 'old.py'), 'utf8')).toBe('old');
  });

  it('a bad spec is a USAGE error that names the line', async () => {
    const { bfs } = board();
    await expect(planBoardSync(bfs, '/:\n  nope.py\n', tree({}))).rejects.toMatchObject({ code: 'USAGE', message: 'sync spec line 2: "nope.py" does not exist' });
  });
});
