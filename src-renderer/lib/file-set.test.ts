import { describe, expect, it } from 'vitest';
import { chooseFileSet } from './file-set.js';

const f = (path: string, size = 10) => ({ path, size });

describe('choosing the files of an app folder for a file-set rollout', () => {
  it('keeps the app files, leaves hidden files and Python caches out, and finds the spec (shallowest first)', () => {
    const c = chooseFileSet([f('app/src/x.py'), f('app/.git/HEAD'), f('app/src/__pycache__/x.cpython-311.pyc'), f('app/tools/dev.spec'), f('app/app.spec'), f('app/.vscode/settings.json')]);
    expect(c).toEqual({ folder: 'app', files: [f('app/src/x.py'), f('app/tools/dev.spec'), f('app/app.spec')], specs: ['app/app.spec', 'app/tools/dev.spec'], bytes: 30 });
  });

  it('refuses a folder without a spec, with odd names, too many files or too many bytes, saying why', () => {
    expect(() => chooseFileSet([f('app/main.py')])).toThrow('app has no sync spec (a *.spec file saying which files go where, docs/transfers.md, *sync*)');
    expect(() => chooseFileSet([f('app/.git/HEAD')])).toThrow('the folder holds no files');
    expect(() => chooseFileSet([f('app/app.spec'), f('app/my file.py')])).toThrow(/^app\/my file\.py: file set names are letters/);
    expect(() => chooseFileSet(Array.from({ length: 501 }, (_, i) => f(`app/m${i}.py`)))).toThrow(/holds 501 files; a file set has at most 500/);
    expect(() => chooseFileSet([f('app/app.spec'), f('app/big.bin', 9 * 2 ** 20)])).toThrow(/holds 9\.0 MB; a file set is at most 8 MB/);
  });
});
