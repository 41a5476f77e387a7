// The dashboard's multi-selection (targets of bulk actions: OTA, reboot, merged logs) and its
// keyboard cursor.
import { create } from 'zustand';
import type { BoardKey } from '../lib/board-key.js';
import { applyClick, pruneSelection, selectAll } from '../lib/selection.js';
import type { ClickModifiers } from '../lib/selection.js';

export interface SelectionStore {
  selected: ReadonlySet<BoardKey>;
  anchor: BoardKey | null;
  /** The row the keyboard is on. */
  cursor: BoardKey | null;
  click(key: BoardKey, mods: ClickModifiers, order: readonly BoardKey[]): void;
  selectAll(order: readonly BoardKey[]): void;
  clear(): void;
  setCursor(key: BoardKey | null): void;
  prune(exists: (k: BoardKey) => boolean): void;
}

export const useSelection = create<SelectionStore>()((set) => ({
  selected: new Set(),
  anchor: null,
  cursor: null,
  click: (key, mods, order) => set((s) => ({ ...applyClick(s, key, mods, order), cursor: key })),
  selectAll: (order) => set(selectAll(order)),
  clear: () => set({ selected: new Set(), anchor: null }),
  setCursor: (cursor) => set({ cursor }),
  prune: (exists) =>
    set((s) => {
      const next = pruneSelection(s, exists);
      const cursor = s.cursor !== null && exists(s.cursor) ? s.cursor : null;
      return next === s && cursor === s.cursor ? {} : { ...next, cursor };
    }),
}));
