// Every board of every connected broker, the dashboard's query (sort, filter, search), crash
// records fetched per board, and the state of board actions (reboot, clear crash log).
import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type { BoardView, CrashRecord } from '../../src-main/common/contract.js';
import { boardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { DEFAULT_QUERY } from '../lib/fleet-query.js';
import type { FleetQuery, FleetRow } from '../lib/fleet-query.js';

interface BoardsSlice {
  boards: ReadonlyMap<BoardKey, FleetRow>;
  /** Per profile: loading the snapshot, or why it failed. */
  snapshot: Record<string, { loading: boolean; error?: string }>;
  replaceProfileBoards(profileId: string, boards: readonly BoardView[]): void;
  applyFleetChange(profileId: string, upserts: readonly BoardView[], removed: readonly string[]): void;
  dropProfileBoards(profileId: string): void;
  setSnapshotState(profileId: string, loading: boolean, error?: string): void;
}

interface QuerySlice {
  query: FleetQuery;
  setQuery(q: Partial<FleetQuery>): void;
  /** Clicking a column header: sort by it, or flip the direction when it already sorts. */
  sortBy(column: FleetQuery['sort']): void;
}

export interface CrashLogState {
  loading: boolean;
  records?: CrashRecord[];
  error?: string;
}

export interface BoardActionState {
  busy?: string;
  error?: string;
  /** What last succeeded ("Rebooting in safe mode…"), shown until the next action. */
  done?: string;
}

interface CrashSlice {
  crashlogs: Record<BoardKey, CrashLogState | undefined>;
  actions: Record<BoardKey, BoardActionState | undefined>;
  setCrashLog(key: BoardKey, s: CrashLogState): void;
  setBoardAction(key: BoardKey, s: BoardActionState): void;
}

export type FleetState = BoardsSlice & QuerySlice & CrashSlice;

const row = (profileId: string, b: BoardView): FleetRow => ({ ...b, profileId, key: boardKey(profileId, b.prefix) });

const boardsSlice: StateCreator<FleetState, [], [], BoardsSlice> = (set) => ({
  boards: new Map(),
  snapshot: {},
  replaceProfileBoards: (profileId, list) =>
    set((s) => {
      const boards = new Map([...s.boards].filter(([, r]) => r.profileId !== profileId));
      for (const b of list) boards.set(boardKey(profileId, b.prefix), row(profileId, b));
      return { boards };
    }),
  applyFleetChange: (profileId, upserts, removed) =>
    set((s) => {
      if (upserts.length === 0 && removed.length === 0) return {};
      const boards = new Map(s.boards);
      for (const b of upserts) boards.set(boardKey(profileId, b.prefix), row(profileId, b));
      for (const p of removed) boards.delete(boardKey(profileId, p));
      return { boards };
    }),
  dropProfileBoards: (profileId) => set((s) => ({ boards: new Map([...s.boards].filter(([, r]) => r.profileId !== profileId)) })),
  setSnapshotState: (profileId, loading, error) => set((s) => ({ snapshot: { ...s.snapshot, [profileId]: { loading, error } } })),
});

const querySlice: StateCreator<FleetState, [], [], QuerySlice> = (set) => ({
  query: DEFAULT_QUERY,
  setQuery: (q) => set((s) => ({ query: { ...s.query, ...q } })),
  sortBy: (column) => set((s) => ({ query: { ...s.query, sort: column, desc: s.query.sort === column ? !s.query.desc : false } })),
});

const crashSlice: StateCreator<FleetState, [], [], CrashSlice> = (set) => ({
  crashlogs: {},
  actions: {},
  setCrashLog: (key, c) => set((s) => ({ crashlogs: { ...s.crashlogs, [key]: c } })),
  setBoardAction: (key, a) => set((s) => ({ actions: { ...s.actions, [key]: a } })),
});

export const useFleet = create<FleetState>()((...a) => ({ ...boardsSlice(...a), ...querySlice(...a), ...crashSlice(...a) }));
