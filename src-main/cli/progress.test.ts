import { describe, expect, it } from 'vitest';
import type { ProgressSnapshot } from '../common/ota-plan.js';
import { ProgressDisplay, progressModeFor, renderBar } from './progress.js';

const snap = (done: number, total: number, rate = 0, eta?: number): ProgressSnapshot => ({ done, total, rate, eta, fraction: done / total, elapsedMs: 0 });

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 80, write: (s: string) => writes.push(s), text: () => writes.join('') };
}

const ESC = String.fromCharCode(27);
const CONTROL = new RegExp(`(${ESC}\\[\\d*[AJK]|\r|\n)`);
const CURSOR_UP = new RegExp(`^${ESC}\\[(\\d+)A$`);

/** What a terminal would show: applies the cursor-up and clear sequences the display uses. */
function screen(text: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  for (const part of text.split(CONTROL)) {
    if (!part || part === '\r') continue;
    const up = CURSOR_UP.exec(part);
    if (up) {
      row = Math.max(0, row - Number(up[1]));
    } else if (part === `${ESC}[J`) {
      lines.splice(row + 1);
      lines[row] = '';
    } else if (part === `${ESC}[2K`) {
      lines[row] = '';
    } else if (part === '\n') {
      row++;
      if (lines.length <= row) lines.push('');
    } else {
      lines[row] = lines[row]! + part;
    }
  }
  return lines.filter((l, i) => l !== '' || i < lines.length - 1);
}

describe('progress display', () => {
  it('picks bars on a terminal, lines in a log, nothing with --json or --quiet', () => {
    expect(progressModeFor({}, { isTTY: true, write: () => 0 })).toBe('bar');
    expect(progressModeFor({}, { isTTY: false, write: () => 0 })).toBe('lines');
    expect(progressModeFor({ json: true }, { isTTY: true, write: () => 0 })).toBe('none');
    expect(progressModeFor({ quiet: true }, { isTTY: false, write: () => 0 })).toBe('none');
  });

  it('draws a bar with percent, bytes, rate and ETA that fits the terminal', () => {
    const line = renderBar('sim/sim-01', snap(750_000, 1_500_000, 120_000, 6.2), 'sending', 80);
    expect(line).toMatch(/^sim\/sim-01 {2}\[#+-+\] +50% {2}750 kB\/1\.5 MB {2}120 kB\/s {2}ETA 6s {2}sending$/);
    expect(line.length).toBeLessThanOrEqual(80);
    expect(renderBar('x'.repeat(200), snap(1, 2), '', 60).length).toBeLessThan(60);
  });

  it('redraws the bars of several transfers in place, and keeps finished ones as lines', () => {
    let t = 0;
    const out = sink(true);
    const d = new ProgressDisplay(out, 'bar', { now: () => t });
    d.update('a', 'board-a', snap(0, 100), 'sending');
    d.update('b', 'board-b', snap(0, 100), 'sending');
    t = 500;
    d.update('a', 'board-a', snap(50, 100, 10, 5), 'sending');
    let shown = screen(out.text());
    expect(shown).toHaveLength(2);
    expect(shown[0]).toMatch(/board-a .* 50%/);
    expect(shown[1]).toMatch(/board-b .* 0%/);
    d.done('a', 'board-a: OK');
    shown = screen(out.text());
    expect(shown[0]).toBe('board-a: OK');
    expect(shown[1]).toMatch(/board-b/);
    expect(shown).toHaveLength(2);
    d.close();
    expect(screen(out.text())).toEqual(['board-a: OK']);
  });

  it('prints result lines (stdout) above the bars on the same terminal', () => {
    const out = sink(true);
    const d = new ProgressDisplay(out, 'bar', { now: () => 0 });
    d.update('a', 'board-a', snap(10, 100), 'sending');
    d.update('b', 'board-b', snap(20, 100), 'sending');
    d.done('a');
    d.print({ write: (s: string) => out.write(s) }, 'board-a: OK');
    const shown = screen(out.text());
    expect(shown).toHaveLength(2);
    expect(shown[0]).toBe('board-a: OK');
    expect(shown[1]).toMatch(/^board-b .* 20%/);
    const plain = sink(false);
    const p = new ProgressDisplay(plain, 'none');
    p.print({ write: (s: string) => plain.write(s) }, 'result');
    expect(plain.text()).toBe('result\n');
  });

  it('does not redraw more often than asked, except when the phase changes', () => {
    let t = 0;
    const out = sink(true);
    const d = new ProgressDisplay(out, 'bar', { now: () => t, redrawMs: 100 });
    d.update('a', 'a', snap(1, 100), 'sending');
    const n = out.writes.length;
    t = 10;
    d.update('a', 'a', snap(2, 100), 'sending');
    expect(out.writes.length).toBe(n);
    d.update('a', 'a', snap(100, 100), 'verifying');
    expect(out.writes.length).toBe(n + 1);
  });

  it('writes a plain line per transfer every few seconds when not on a terminal', () => {
    let t = 0;
    const out = sink(false);
    const d = new ProgressDisplay(out, 'lines', { now: () => t, lineIntervalMs: 5000 });
    for (let i = 0; i <= 100; i++) {
      t = i * 100;
      d.update('a', 'sim/sim-01', snap(i, 100), 'sending');
    }
    d.done('a', 'sim/sim-01: OK');
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toEqual([
      'sim/sim-01: 0% 0 B/100 B -- B/s ETA -- (sending)',
      'sim/sim-01: 50% 50 B/100 B -- B/s ETA -- (sending)',
      'sim/sim-01: 100% 100 B/100 B -- B/s ETA -- (sending)',
      'sim/sim-01: OK',
    ]);
    expect(out.text()).not.toContain(ESC);
  });

  it('prints nothing in mode none', () => {
    const out = sink(true);
    const d = new ProgressDisplay(out, 'none');
    d.update('a', 'a', snap(1, 2));
    d.log('x');
    d.done('a', 'done');
    d.close();
    expect(out.writes).toEqual([]);
  });
});
