// What the dashboard shows of a board, from the fleet registry's entry. Everything in it comes
// from the boards (their prefixes, their JSON): one odd board must never make a whole snapshot
// page or `fleet.changed` batch invalid, so each view is clipped to the contract's limits and an
// entry that still does not fit (a prefix beyond 200 characters cannot be clipped: it is the
// board's address) is dropped alone, with one log line per board.
import { BoardView as BoardViewSchema, FLEET_PAGE_SIZE } from '../common/contract.js';
import type { BoardView } from '../common/contract.js';
import { statusTime } from '../common/board-state.js';
import { clipText, visibleText } from '../common/terminal-text.js';
import { validate } from '../common/schema.js';
import type { BoardEntry } from '../core/fleet-registry.js';

const clip = clipText;

function modulesOf(modules: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, version] of Object.entries(modules).slice(0, 100)) if (name) out[clip(name, 100)] = clip(version, 500);
  return out;
}

export function toBoardView(entry: BoardEntry): BoardView {
  const s = entry.status;
  const view: BoardView = {
    prefix: entry.prefix,
    online: s?.online ?? false,
    lastSeen: entry.lastSeen,
    fw: clip(s?.fw ?? '', 100),
    project: clip(s?.project ?? '', 100),
    partition: clip(s?.partition ?? '', 50),
    pendingVerify: s?.pendingVerify ?? false,
    safeMode: s?.safeMode ?? false,
    safeReason: clip(s?.safeReason ?? '', 1_000),
    resetCause: clip(s?.resetCause ?? '', 100),
    crashes: s?.crashes ?? 0,
    uptime: s?.uptime ?? null,
    memFree: s?.memFree ?? null,
    ip: s?.ip ? clip(s.ip, 100) : null,
    rssi: s?.rssi ?? null,
    proto: s?.proto ?? 1,
    caps: (s?.caps ?? []).slice(0, 100).map((c) => clip(c, 50)),
    modules: modulesOf(s?.modules ?? {}),
    state: entry.state.state,
  };
  if (s && s.uptime !== null) view.uptimeAt = statusTime(s, entry.lastSeen);
  if (entry.state.wakeAt !== undefined) view.wakeAt = entry.state.wakeAt;
  if (s?.tags.length) view.tags = [...s.tags];
  if (s?.sleep) view.sleep = { period: s.sleep.period, awake: s.sleep.awake };
  if (entry.original) view.original = true;
  if (entry.malformed) view.malformed = clip(entry.malformed, 1_000);
  if (entry.warning) view.warning = clip(entry.warning, 1_000);
  return view;
}

/** Boards already reported as not fitting (bounded: a flood of them must not grow it forever). */
const reported = new Set<string>();
const REPORTED_MAX = 1_000;

/** The entry's view, or undefined (logged once) when even the clipped view breaks the contract. */
export function fittingView(entry: BoardEntry, log: (message: string) => void = (m) => console.error(m)): BoardView | undefined {
  const view = toBoardView(entry);
  const checked = validate(BoardViewSchema, view);
  if (checked.ok) return view;
  if (!reported.has(entry.prefix)) {
    if (reported.size >= REPORTED_MAX) reported.clear();
    reported.add(entry.prefix);
    log(`mqboard: board "${visibleText(clip(entry.prefix, 80))}" (${entry.prefix.length} characters) left out of the fleet view: ${visibleText(clip(checked.error, 200))}`);
  }
  return undefined;
}

/**
 * One snapshot page: the boards sorted after `after` (a prefix of the previous page's last
 * board), at most FLEET_PAGE_SIZE; a full page means the next one may have more.
 */
export function snapshotPage(entries: readonly BoardEntry[], after?: string): BoardView[] {
  let i = 0;
  if (after !== undefined) {
    // Right after the cursor's board; if it went away meanwhile, where it would sort.
    const at = entries.findIndex((e) => e.prefix === after);
    i = at >= 0 ? at + 1 : entries.findIndex((e) => e.prefix.localeCompare(after) > 0);
    if (i < 0) return [];
  }
  const page: BoardView[] = [];
  for (; i < entries.length && page.length < FLEET_PAGE_SIZE; i++) {
    const view = fittingView(entries[i]!);
    if (view) page.push(view);
  }
  return page;
}
