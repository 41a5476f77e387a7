// Small helpers shared by the benchmarks: options from the environment, medians and percentiles,
// process memory.
import * as fs from 'node:fs';

/** A positive integer from the environment, or the default. */
export const envInt = (name: string, def: number): number => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : def;
};

export const median = (xs: number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A number from the environment (0 allowed), or the default. */
export const envNum = (name: string, def: number): number => Number(process.env[name] ?? def);

/** The p-th percentile (0-100) of an ascending array; NaN when empty. */
export const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

/** Bytes as MB with one decimal. */
export const mb = (b: number): number => Math.round(b / 1e5) / 10;

/** A process's resident memory in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/\d+/)?.[0] ?? 0) * 1024;
}
