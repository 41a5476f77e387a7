import { describe, expect, it } from 'vitest';
import { SyncSpecError, parseSyncSpec, planSync } from './sync-spec.js';

const tree: Record<string, string[]> = { '': ['boot.py', 'main.py', 'README.md'], lib: ['a.py', 'b.py', 'c.txt'], apps: ['blinky.py'] };
const list = (d: string) => tree[d] ?? [];

describe('sync spec (original mqsync format)', () => {
  it('expands plain names, source directories, wildcards and renames into board paths', () => {
    const spec = [
      '# comment',
      '/:',
      '    boot.py main.py  # inline comment',
      '/lib:',
      '    lib: *.py',
      '/src: --no-update',
      '    apps: blinky.py->demo.py',
      '/safemode/lib: --check-only',
      '    lib/a.py',
    ].join('\n');
    expect(planSync(spec, list)).toEqual([
      { source: 'boot.py', target: '/boot.py', mode: 'update' },
      { source: 'main.py', target: '/main.py', mode: 'update' },
      { source: 'lib/a.py', target: '/lib/a.py', mode: 'update' },
      { source: 'lib/b.py', target: '/lib/b.py', mode: 'update' },
      { source: 'apps/blinky.py', target: '/src/demo.py', mode: 'no-update' },
      { source: 'lib/a.py', target: '/safemode/lib/a.py', mode: 'check-only' },
    ]);
  });

  it('gives the line and the reason for every mistake', () => {
    expect(() => parseSyncSpec('    boot.py')).toThrow(/line 1: source files before any/);
    expect(() => parseSyncSpec('lib:\n  a.py')).toThrow(/line 1: expected "<target_dir>:"/);
    expect(() => parseSyncSpec('/:\n  *.py->x.py')).toThrow(/line 2: a rename cannot use wildcards/);
    expect(() => parseSyncSpec('/: --force')).toThrow(/unknown option "--force"/);
    expect(() => planSync('/:\n  nope.py', list)).toThrow(SyncSpecError);
    expect(() => planSync('/:\n  lib: *.js', list)).toThrow(/"lib\/\*\.js" matches no file/);
  });
});
