// The firmware against the real ESP32 port, in `npm test`: every board/ file compiled by
// MicroPython's own cross-compiler, and type-checked by pyright against the stubs generated from
// the ESP32 firmware of the oldest promised version (1.22.0) and the simulated one (1.27.0).
// Missing gcc, tarball or stubs fail here with the reason; nothing is skipped.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardPythonFiles } from './board-sources.js';
import { compileAll, ensureMpyCross, formatCompileErrors } from './mpy-cross.js';
import { type Finding, formatFinding, runPyright, STUB_VERSIONS } from './pyright-run.js';
import { type AllowEntry, formatStale, triage, validateAllowlist } from './triage.js';

const allowlist = JSON.parse(fs.readFileSync(new URL('./allowlist.json', import.meta.url), 'utf8')) as AllowEntry[];
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'board-checks-'));
afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));

function fixture(name: string, lines: string[]): string {
  const p = path.join(fixtures, name);
  fs.writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

// A probe beside board/ in the pyright runs: proof that the stub sets differ and are used.
const probe = fixture('port_probe.py', [
  'import os',
  'import esp32',
  'os.path.join("a", "b")  # CPython only: no ESP32 has os.path',
  'import vfs  # a module since 1.23: a finding against 1.22 only',
  'esp32.Partition.RUNNING',
]);
let bin = '';
let board: Finding[] = [];
let probed: Finding[] = [];
// The build (about 10 s with a cold cache, as in CI; then instant) and the two pyright runs
// (a few seconds each) go on at the same time.
beforeAll(async () => {
  const [built, runs] = await Promise.all([
    ensureMpyCross(),
    Promise.all(STUB_VERSIONS.map((v) => runPyright(v, [...boardPythonFiles(), probe]))),
  ]);
  bin = built;
  board = runs.flat().filter((f) => f.file !== probe);
  probed = runs.flat().filter((f) => f.file === probe);
}, 240_000);

describe('mpy-cross (MicroPython 1.27 compiler, ESP32 xtensawin)', () => {

  it('compiles every file of board/', () => {
    const files = boardPythonFiles();
    expect(files.length).toBeGreaterThan(20);
    const { errors, mpyBytes } = compileAll(bin, files);
    expect(formatCompileErrors(errors)).toBe('');
    expect(mpyBytes).toBeGreaterThan(10_000);
  });

  it('fails with file:line on what only MicroPython rejects, and compiles viper for the ESP32', () => {
    // Positional-only parameters are valid CPython 3.8 (pyright accepts them); MicroPython's
    // parser does not. Viper code compiles only with the ESP32's -march.
    const bad = fixture('posonly.py', ['import time', '', 'def f(a, /, b):', '    return a']);
    const viper = fixture('viper.py', ['import micropython', '', '@micropython.viper', 'def add(x: int) -> int:', '    return x + 1']);
    const { errors } = compileAll(bin, [bad, viper], fixtures);
    expect(formatCompileErrors(errors)).toBe(`${bad}:3: SyntaxError: invalid syntax`);
  });
});

describe('pyright against the ESP32 stubs (v1.22.0 and v1.27.0)', () => {
  it('the allowlist is well formed: a reason per entry', () => {
    expect(validateAllowlist(allowlist)).toEqual([]);
  });

  it('reports nothing beyond the reviewed allowlist, and every entry still matches', () => {
    const { fresh, stale } = triage(board, allowlist);
    // A fresh finding: fix the firmware, or triage it (check the MicroPython source of the
    // version) and add an entry with the reason. A stale entry: remove it or correct its count.
    expect(fresh.map(formatFinding).join('\n'), 'findings not in scripts/board-checks/allowlist.json').toBe('');
    expect(stale.map(formatStale).join('\n'), 'allowlist entries that no longer match').toBe('');
  });

  it('flags an API the port lacks, per stub set', () => {
    const seen = probed.map((f) => `${f.version} ${f.line} ${f.rule}`).sort();
    expect(seen).toEqual([
      'v1.22.0 3 reportAttributeAccessIssue',
      'v1.22.0 4 reportMissingImports',
      'v1.27.0 3 reportAttributeAccessIssue',
    ]);
  });
});
