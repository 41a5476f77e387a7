// Log history per board plus one merged ring for the multi-board view. The rings are mutable
// (appending thousands of lines a second must not copy arrays); `version` changes on every
// flush so views know when to read them again.
import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type { BoardKey } from '../lib/board-key.js';
import { LEVELS, LogRing } from '../lib/log-buffer.js';
import type { Level, LogItem } from '../lib/log-buffer.js';

/** Lines kept per board and in the merged view: a long history, yet bounded memory. */
export const BOARD_LOG_CAPACITY = 20_000;
export const MERGED_LOG_CAPACITY = 50_000;

export interface LogSubscription {
  state: 'subscribing' | 'on' | 'error';
  error?: string;
}

export interface LogViewState {
  levels: readonly Level[];
  text: string;
  follow: boolean;
}

export const DEFAULT_LOG_VIEW: LogViewState = { levels: LEVELS, text: '', follow: true };
export const MERGED_VIEW = 'merged';

interface BufferSlice {
  rings: Map<BoardKey, LogRing>;
  merged: LogRing;
  version: number;
  append(items: readonly LogItem[]): void;
  /**
   * Replaces a board's history with the backlog main kept (on subscribe). The merged view gets it
   * too, after what it already shows: it lists lines in arrival order.
   */
  resetBoard(key: BoardKey, backlog: readonly LogItem[], toMerged?: boolean): void;
  dropBoard(key: BoardKey): void;
}

interface SubscriptionSlice {
  subs: Record<BoardKey, LogSubscription | undefined>;
  setSub(key: BoardKey, s: LogSubscription | undefined): void;
}

interface ViewSlice {
  views: Record<string, LogViewState | undefined>;
  setView(id: string, patch: Partial<LogViewState>): void;
  /** Boards whose logs the merged view follows; kept while other views are shown. */
  watched: readonly BoardKey[];
  setWatched(keys: readonly BoardKey[]): void;
}

export type LogsState = BufferSlice & SubscriptionSlice & ViewSlice;

const bufferSlice: StateCreator<LogsState, [], [], BufferSlice> = (set, get) => ({
  rings: new Map(),
  merged: new LogRing(MERGED_LOG_CAPACITY),
  version: 0,
  append: (items) => {
    if (items.length === 0) return;
    const { rings, merged } = get();
    for (const it of items) {
      let r = rings.get(it.key);
      if (!r) rings.set(it.key, (r = new LogRing(BOARD_LOG_CAPACITY)));
      r.push(it);
      merged.push(it);
    }
    set((s) => ({ version: s.version + 1 }));
  },
  resetBoard: (key, backlog, toMerged = true) => {
    const r = new LogRing(BOARD_LOG_CAPACITY);
    const { merged } = get();
    for (const it of backlog) {
      r.push(it);
      if (toMerged) merged.push(it);
    }
    get().rings.set(key, r);
    set((s) => ({ version: s.version + 1 }));
  },
  dropBoard: (key) => {
    get().rings.delete(key);
    set((s) => ({ version: s.version + 1 }));
  },
});

const subscriptionSlice: StateCreator<LogsState, [], [], SubscriptionSlice> = (set) => ({
  subs: {},
  setSub: (key, sub) => set((s) => ({ subs: { ...s.subs, [key]: sub } })),
});

const viewSlice: StateCreator<LogsState, [], [], ViewSlice> = (set) => ({
  views: {},
  setView: (id, patch) => set((s) => ({ views: { ...s.views, [id]: { ...(s.views[id] ?? DEFAULT_LOG_VIEW), ...patch } } })),
  watched: [],
  setWatched: (watched) => set({ watched }),
});

export const useLogs = create<LogsState>()((...a) => ({ ...bufferSlice(...a), ...subscriptionSlice(...a), ...viewSlice(...a) }));
