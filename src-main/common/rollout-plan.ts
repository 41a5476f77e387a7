// A fleet rollout's definition: what goes out (a firmware image, or a file set as a sync spec),
// to which boards (prefix patterns and/or board tags), in which waves (a canary first, then bigger groups), with
// which health gate per board and which failure threshold pauses it (docs/rollouts.md). Pure
// TypeScript: the same planning for the CLI, the desktop console and the tests.
import { hasTags } from './board-tags.js';
import { globToRegExp } from './sync-spec.js';

export type RolloutWhat =
  | { kind: 'firmware'; file: string; sha256: string; size: number; version: string; project: string }
  | { kind: 'files'; spec: string };

/** A wave's size: a number of boards, or a share of all the rollout's boards. */
export type WaveSize = { count: number } | { percent: number };

export interface HealthGate {
  /** Seconds a board may take to come back online after its reset. */
  onlineWithinS: number;
  /** Seconds it may take to confirm the new version (the board's all-OK: pending_verify false). */
  confirmWithinS: number;
  /** Seconds it must then stay up without a crash or a reset. */
  stableS: number;
}

export interface FailureThreshold {
  /** Pause when more than this many boards of a wave failed. */
  maxBoards: number;
  /** ... or more than this share of the wave (0..100). */
  maxPercent: number;
}

export interface RolloutDefinition {
  id: string;
  /** ms since the epoch. */
  createdAt: number;
  what: RolloutWhat;
  /** Prefix patterns (`*` and `?` within one topic level, as `mqboard ota -p`); [] with tags: any prefix. */
  patterns: string[];
  /** Board tags (docs/firmware.md): only boards that have all of them. Absent: no tag condition. */
  tags?: string[];
  waves: WaveSize[];
  gate: HealthGate;
  threshold: FailureThreshold;
  /** Boards of a wave updated at the same time. */
  concurrency: number;
  /** The signing key (name or PEM path) the updates are signed with (docs/signing.md), so a resume signs alike. */
  signKey?: string;
  /** Battery boards found asleep are waited for, each wait at most this long (s); absent: they are skipped. Kept so a resume waits alike. */
  wakeWaitS?: number;
}

/** 1 canary, then 10 %, then the rest: a bad image reaches one board, then a tenth at most. */
export const DEFAULT_WAVES: WaveSize[] = [{ count: 1 }, { percent: 10 }, { percent: 100 }];
/** Generous for a board on Wi-Fi; the firmware's own all-OK takes `watchdog.allok` (300 s by default). */
export const DEFAULT_GATE: HealthGate = { onlineWithinS: 120, confirmWithinS: 600, stableS: 120 };
/** Any failed board pauses the rollout. */
export const DEFAULT_THRESHOLD: FailureThreshold = { maxBoards: 0, maxPercent: 100 };
export const DEFAULT_CONCURRENCY = 4;

export class RolloutPlanError extends Error {
  override name = 'RolloutPlanError';
}

/** `1,10%,100%` → waves; each entry is a wave's own size, the last wave always takes the rest. */
export function parseWaves(text: string): WaveSize[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new RolloutPlanError(`waves: give sizes separated by commas, e.g. 1,10%,100% (got "${text}")`);
  return parts.map((p) => {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(p);
    const n = m ? Number(m[1]) : NaN;
    if (!m || !(n > 0) || (m[2] === '%' && n > 100) || (m[2] === '' && !Number.isInteger(n))) {
      throw new RolloutPlanError(`waves: "${p}" is neither a whole number of boards nor a percentage up to 100%`);
    }
    return m[2] === '%' ? { percent: n } : { count: n };
  });
}

export function formatWaves(waves: readonly WaveSize[]): string {
  return waves.map((w) => ('count' in w ? String(w.count) : `${w.percent}%`)).join(',');
}

/** `5`, `10%` or `2,10%` (boards, share of a wave, or both: whichever is hit first pauses). */
export function parseThreshold(text: string): FailureThreshold {
  const t: FailureThreshold = { maxBoards: Number.MAX_SAFE_INTEGER, maxPercent: 100 };
  for (const p of text.split(',').map((x) => x.trim())) {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(p);
    const n = m ? Number(m[1]) : NaN;
    if (!m || !(n >= 0) || (m[2] === '%' && n > 100) || (m[2] === '' && !Number.isInteger(n))) {
      throw new RolloutPlanError(`failure threshold: "${p}" is neither a number of boards nor a percentage (e.g. 0, 2, 10% or 2,10%)`);
    }
    if (m[2] === '%') t.maxPercent = n;
    else t.maxBoards = n;
  }
  return t;
}

/** True when `failed` failures in a wave of `size` boards are more than the threshold allows. */
export function exceedsThreshold(failed: number, size: number, t: FailureThreshold): boolean {
  if (failed === 0) return false;
  return failed > t.maxBoards || (size > 0 && (failed * 100) / size > t.maxPercent);
}

export function matchesAny(prefix: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (/[*?]/.test(p) ? globToRegExp(p).test(prefix) : p === prefix));
}

/** A board the console knows: its prefix and the tags its status announced. */
export interface KnownBoard {
  prefix: string;
  tags?: readonly string[];
}

/**
 * The boards a rollout targets: those that match one of the patterns (when there are patterns)
 * and have every one of the tags (when there are tags), sorted, so that the waves do not depend
 * on the order statuses arrived in. Called once, at start: the rollout keeps these boards (a tag
 * added or removed later changes nothing in it).
 */
export function selectTargets(known: readonly (string | KnownBoard)[], patterns: readonly string[], tags: readonly string[] = []): string[] {
  if (patterns.length === 0 && tags.length === 0) throw new RolloutPlanError('which boards? give prefix patterns, tags, or both');
  const picked = known
    .map((k) => (typeof k === 'string' ? { prefix: k } : k))
    .filter((k) => (patterns.length === 0 || matchesAny(k.prefix, patterns)) && hasTags(k.tags, tags));
  return [...new Set(picked.map((k) => k.prefix))].sort();
}

/** How a rollout's boards were chosen: `sim/* tag:kitchen`. */
export function describeTargets(def: Pick<RolloutDefinition, 'patterns' | 'tags'>): string {
  return [...def.patterns, ...(def.tags ?? []).map((t) => `tag:${t}`)].join(' ');
}

/**
 * Splits the boards into waves: a count takes that many boards, a percentage that share of all
 * the boards (rounded up, at least one); the last wave takes every board left. Empty waves are
 * dropped, so 1 board with the default waves is a single canary wave.
 */
export function assignWaves(boards: readonly string[], waves: readonly WaveSize[]): string[][] {
  const out: string[][] = [];
  let at = 0;
  waves.forEach((w, i) => {
    const last = i === waves.length - 1;
    const size = last ? boards.length - at : 'count' in w ? w.count : Math.max(1, Math.ceil((boards.length * w.percent) / 100));
    const group = boards.slice(at, at + size);
    at += group.length;
    if (group.length) out.push(group);
  });
  return out;
}

/** A rollout id: sortable by creation time, unique enough for one person's data dir. */
export function newRolloutId(now: number, random: () => number = Math.random): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.floor(random() * 0x10000).toString(16).padStart(4, '0')}`;
}

export function describeWhat(what: RolloutWhat): string {
  return what.kind === 'firmware' ? `firmware ${what.version || '?'} (${what.file})` : `file set ${what.spec}`;
}
