// Plain-text tables and human durations for the CLI's listings.
import { clipText } from '../common/terminal-text.js';

/** The widest a cell gets: board text (a 250-character prefix, a long reason) must not blow up a table. */
export const MAX_CELL = 80;

export function table(headers: string[], rawRows: string[][]): string {
  const rows = rawRows.map((r) => r.map((c) => clipText(c, MAX_CELL)));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

/** 93 s → "1m 33s", 90061 s → "1d 1h" (two units at most). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    if (rest >= size || (name === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${name}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

export function formatAge(ms: number): string {
  return ms < 0 ? 'just now' : `${formatDuration(ms)} ago`;
}
