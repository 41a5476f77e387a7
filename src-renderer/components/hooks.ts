// Derived state shared by several views, memoized so a fleet batch recomputes it once.
import { useMemo } from 'react';
import { queryFleet, troubledFirst } from '../lib/fleet-query.js';
import type { FleetRow } from '../lib/fleet-query.js';
import { useFleet } from '../stores/fleet-store.js';
import { useProfiles } from '../stores/profiles-store.js';

export function useBrokerName(): (id: string) => string {
  const profiles = useProfiles((s) => s.profiles);
  return useMemo(() => {
    const names = new Map(profiles.map((p) => [p.id, p.name]));
    return (id: string) => names.get(id) ?? id;
  }, [profiles]);
}

/** The dashboard's rows: filtered, searched and sorted. */
export function useVisibleRows(): FleetRow[] {
  const boards = useFleet((s) => s.boards);
  const query = useFleet((s) => s.query);
  const brokerName = useBrokerName();
  return useMemo(() => queryFleet(boards.values(), query, brokerName), [boards, query, brokerName]);
}

export function useTroubledRows(): FleetRow[] {
  const boards = useFleet((s) => s.boards);
  return useMemo(() => troubledFirst(boards.values()), [boards]);
}

export function useBoardCounts(): { total: number; online: number; troubled: number; asleep: number; overdue: number } {
  const boards = useFleet((s) => s.boards);
  return useMemo(() => {
    let online = 0;
    let troubled = 0;
    let asleep = 0;
    let overdue = 0;
    for (const b of boards.values()) {
      if (b.online) online++;
      if (b.safeMode || b.crashes > 0) troubled++;
      if (b.state === 'asleep') asleep++;
      if (b.state === 'overdue') overdue++;
    }
    return { total: boards.size, online, troubled, asleep, overdue };
  }, [boards]);
}
