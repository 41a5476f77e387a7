import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, MAX_CELL, table } from './table.js';

describe('table', () => {
  it('aligns columns and does not pad the last one', () => {
    expect(table(['A', 'LONG'], [['xyz', '1'], ['q', '22']])).toBe('A    LONG\nxyz  1\nq    22\n');
  });
  it('clips cells (board text) to MAX_CELL characters, so one long prefix cannot blow up the table', () => {
    const out = table(['PREFIX', 'ONLINE'], [[`evil/${'x'.repeat(245)}`, 'yes'], ['sim/b1', 'yes']]);
    const [head, evil, b1] = out.split('\n');
    expect(evil).toBe(`evil/${'x'.repeat(MAX_CELL - 6)}…  yes`);
    expect(head!.indexOf('ONLINE')).toBe(MAX_CELL + 2);
    expect(b1!.indexOf('yes')).toBe(MAX_CELL + 2);
  });
  it('formats durations with two units at most', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(93_000)).toBe('1m 33s');
    expect(formatDuration(90_061_000)).toBe('1d 1h');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatAge(5_000)).toBe('5s ago');
    expect(formatAge(-5)).toBe('just now');
  });
});
