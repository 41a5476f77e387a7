import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, table } from './table.js';

describe('table', () => {
  it('aligns columns and does not pad the last one', () => {
    expect(table(['A', 'LONG'], [['xyz', '1'], ['q', '22']])).toBe('A    LONG\nxyz  1\nq    22\n');
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
