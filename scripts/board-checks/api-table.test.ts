// docs/virtual-board.md lists every MicroPython API the firmware uses, the version that first
// has it and how the virtual board compares; this keeps that table in step with board/.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boardPythonFiles, REPO_ROOT } from './board-sources.js';

const HEADING = '### ESP32 APIs the firmware uses';
const SIM = ['equal', 'stricter', 'more permissive'];
const PROMISED = 22; // the firmware runs on MicroPython >= 1.22

interface Row { names: string[]; since: string; sim: string; notes: string }

function usedApis(files: string[]): string[] {
  try {
    const out = execFileSync('python3', [path.join(REPO_ROOT, 'scripts/board-checks/api_uses.py'), ...files], { cwd: REPO_ROOT, encoding: 'utf8' });
    return JSON.parse(out) as string[];
  } catch (e) {
    throw new Error(`listing the firmware's APIs needs python3 (the mpy-cross build needs it too): ${String(e)}`);
  }
}

function tableRows(doc: string): Row[] {
  const start = doc.indexOf(HEADING);
  if (start < 0) throw new Error(`docs/virtual-board.md has no "${HEADING}" section`);
  const body = doc.slice(start + HEADING.length).split(/\n#{2,3} /)[0]!;
  return body.split('\n').filter((l) => l.startsWith('| `')).map((l) => {
    const [names = '', since = '', sim = '', notes = ''] = l.slice(1, -1).split('|').map((c) => c.trim());
    return { names: [...names.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), since, sim, notes };
  });
}

describe('the ESP32 API table in docs/virtual-board.md', () => {
  const files = boardPythonFiles();
  const used = new Set(usedApis(files));
  const code = files.map((f) => fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')).join('\n');
  const rows = tableRows(fs.readFileSync(path.join(REPO_ROOT, 'docs/virtual-board.md'), 'utf8'));
  const documented = new Set(rows.flatMap((r) => r.names));

  it('has a row for every API board/ uses', () => {
    expect(used.size).toBeGreaterThan(50);
    expect([...used].filter((a) => !documented.has(a))).toEqual([]);
  });

  it('names nothing the firmware no longer uses', () => {
    // A member row (`network.WLAN.status`) is kept while its module is used and board/ still
    // reads that member somewhere.
    const modules = new Set([...used].map((a) => a.split('.')[0]));
    const stale = [...documented].filter((n) => {
      if (used.has(n)) return false;
      const parts = n.split('.');
      return parts.length < 3 || !modules.has(parts[0]) || !code.includes(`.${parts.at(-1)}`);
    });
    expect(stale).toEqual([]);
  });

  it('gives each row a version the promise covers and a sim verdict', () => {
    const bad = rows.filter((r) => {
      const m = /^(?:≤ )?1\.(\d+)(?: \(`uasyncio` 1\.\d+\))?$/.exec(r.since);
      // An API newer than the promise is allowed only behind a guard the notes describe.
      const tooNew = m !== null && Number(m[1]) > PROMISED && !/guard/i.test(r.notes);
      return !m || tooNew || !SIM.includes(r.sim);
    });
    expect(bad.map((r) => r.names.join(', '))).toEqual([]);
  });
});
