// Which boards the dashboard shows and in what order: sort by a column, a status filter and a
// free-text search, in which `tag:kitchen` terms ask for board tags. Pure and allocation-light: it runs on every fleet batch (≤ 10/s) over up to
// thousands of boards.
import type { BoardView } from '../../src-main/common/contract.js';
import type { BoardKey } from './board-key.js';

export interface FleetRow extends BoardView {
  key: BoardKey;
  profileId: string;
}

export const SORT_COLUMNS = ['status', 'prefix', 'broker', 'fw', 'partition', 'safe', 'reset', 'crashes', 'uptime', 'mem', 'lastSeen'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export const FLEET_FILTERS = ['all', 'online', 'asleep', 'overdue', 'offline', 'safe', 'crashed'] as const;
export type FleetFilter = (typeof FLEET_FILTERS)[number];

export interface FleetQuery {
  sort: SortColumn;
  desc: boolean;
  filter: FleetFilter;
  search: string;
}

export const DEFAULT_QUERY: FleetQuery = { sort: 'prefix', desc: false, filter: 'all', search: '' };

type Value = string | number;
/** Sorting by status: the boards that answer first, then those expected back, then the lost. */
const STATE_ORDER: Record<BoardView['state'], number> = { online: 3, asleep: 2, overdue: 1, offline: 0 };
const nullLast = (n: number | null) => (n == null ? Number.NEGATIVE_INFINITY : n);

function sortValue(r: FleetRow, col: SortColumn, brokerName: (id: string) => string): Value {
  switch (col) {
    case 'status':
      return STATE_ORDER[r.state];
    case 'prefix':
      return r.prefix;
    case 'broker':
      return brokerName(r.profileId);
    case 'fw':
      return r.fw;
    case 'partition':
      return `${r.pendingVerify ? 0 : 1}${r.partition}`;
    case 'safe':
      return r.safeMode ? 1 : 0;
    case 'reset':
      return r.resetCause;
    case 'crashes':
      return r.crashes;
    case 'uptime':
      return nullLast(r.uptime);
    case 'mem':
      return nullLast(r.memFree);
    case 'lastSeen':
      return r.lastSeen;
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

export function matchesFilter(r: BoardView, f: FleetFilter): boolean {
  switch (f) {
    case 'all':
      return true;
    case 'online':
    case 'asleep':
    case 'overdue':
    case 'offline':
      return r.state === f;
    case 'safe':
      return r.safeMode;
    case 'crashed':
      return r.crashes > 0;
  }
}

export function matchesSearch(r: FleetRow, needle: string, brokerName: (id: string) => string): boolean {
  if (!needle) return true;
  const n = needle.toLowerCase();
  return [r.prefix, r.fw, r.project, r.ip ?? '', r.resetCause, r.safeReason, r.partition, brokerName(r.profileId), ...(r.tags ?? [])].some((f) => f.toLowerCase().includes(n));
}

export interface ParsedSearch {
  /** The free text left once the `tag:` terms are taken out. */
  needle: string;
  /** Tags the board must all have (lower case: the search ignores case, as for the free text). */
  tags: string[];
}

/** `tag:kitchen esp32 tag:battery` → tags [kitchen, battery], needle `esp32`. A bare `tag:` is text. */
export function parseSearch(search: string): ParsedSearch {
  const tags: string[] = [];
  const rest: string[] = [];
  for (const term of search.trim().split(/\s+/)) {
    if (/^tag:./i.test(term)) tags.push(term.slice(4).toLowerCase());
    else if (term) rest.push(term);
  }
  return { needle: rest.join(' '), tags };
}

export function matchesTags(r: Pick<BoardView, 'tags'>, tags: readonly string[]): boolean {
  return tags.every((t) => r.tags?.some((own) => own.toLowerCase() === t) === true);
}

/** The rows to show, in order. Ties keep a stable order by prefix so rows do not jump around. */
export function queryFleet(rows: Iterable<FleetRow>, q: FleetQuery, brokerName: (id: string) => string = (id) => id): FleetRow[] {
  const { needle, tags } = parseSearch(q.search); // once per query, not per row
  const out: { r: FleetRow; v: Value }[] = [];
  for (const r of rows) {
    if (matchesFilter(r, q.filter) && matchesTags(r, tags) && matchesSearch(r, needle, brokerName)) out.push({ r, v: sortValue(r, q.sort, brokerName) });
  }
  const dir = q.desc ? -1 : 1;
  out.sort((a, b) => compare(a.v, b.v) * dir || collator.compare(a.r.prefix, b.r.prefix) || compare(a.r.profileId, b.r.profileId));
  return out.map((x) => x.r);
}

/** The crash view's order: boards in safe mode first, then by number of crashes, then by name. */
export function troubledFirst(rows: Iterable<FleetRow>): FleetRow[] {
  const bad = [...rows].filter((r) => r.safeMode || r.crashes > 0);
  return bad.sort((a, b) => Number(b.safeMode) - Number(a.safeMode) || b.crashes - a.crashes || collator.compare(a.prefix, b.prefix));
}
