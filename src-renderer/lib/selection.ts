// Multi-selection as in a file manager: click selects one, Ctrl/Cmd+click toggles one, Shift+click
// selects the range from the anchor in the order currently shown. Pure.
import type { BoardKey } from './board-key.js';

export interface SelectionState {
  selected: ReadonlySet<BoardKey>;
  anchor: BoardKey | null;
}

export interface ClickModifiers {
  shift?: boolean;
  toggle?: boolean; // Ctrl on Linux/Windows, Cmd on macOS
}

export function applyClick(state: SelectionState, key: BoardKey, mods: ClickModifiers, order: readonly BoardKey[]): SelectionState {
  if (mods.shift && state.anchor !== null) {
    const a = order.indexOf(state.anchor);
    const b = order.indexOf(key);
    if (a >= 0 && b >= 0) {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const range = order.slice(lo, hi + 1);
      const selected = new Set(mods.toggle ? state.selected : []);
      for (const k of range) selected.add(k);
      return { selected, anchor: state.anchor };
    }
  }
  if (mods.toggle) {
    const selected = new Set(state.selected);
    if (selected.has(key)) selected.delete(key);
    else selected.add(key);
    return { selected, anchor: key };
  }
  return { selected: new Set([key]), anchor: key };
}

export function selectAll(order: readonly BoardKey[]): SelectionState {
  return { selected: new Set(order), anchor: order[0] ?? null };
}

/** Drops keys of boards that are gone (removed, or their broker disconnected). */
export function pruneSelection(state: SelectionState, exists: (k: BoardKey) => boolean): SelectionState {
  let changed = false;
  const selected = new Set<BoardKey>();
  for (const k of state.selected) {
    if (exists(k)) selected.add(k);
    else changed = true;
  }
  const anchor = state.anchor !== null && exists(state.anchor) ? state.anchor : null;
  return changed || anchor !== state.anchor ? { selected, anchor } : state;
}
