// What the dashboard shows of a board, from the fleet registry's entry.
import type { BoardView } from '../common/contract.js';
import type { BoardEntry } from '../core/fleet-registry.js';

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function modulesOf(modules: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, version] of Object.entries(modules).slice(0, 100)) if (name) out[clip(name, 100)] = clip(version, 500);
  return out;
}

export function toBoardView(entry: BoardEntry): BoardView {
  const s = entry.status;
  // Fields come from a board's JSON: clipped to the contract's limits so one odd board cannot
  // make the whole fleet snapshot invalid.
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
  };
  if (entry.malformed) view.malformed = clip(entry.malformed, 1_000);
  return view;
}
