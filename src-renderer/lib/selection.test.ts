import { describe, expect, it } from 'vitest';
import { applyClick, pruneSelection, selectAll } from './selection.js';

const order = ['a', 'b', 'c', 'd', 'e'];
const none = { selected: new Set<string>(), anchor: null };

describe('multi-selection', () => {
  it('selects one board on a plain click', () => {
    const s = applyClick(applyClick(none, 'b', {}, order), 'd', {}, order);
    expect([...s.selected]).toEqual(['d']);
  });

  it('toggles with Ctrl/Cmd and selects ranges with Shift in the shown order', () => {
    let s = applyClick(none, 'b', {}, order);
    s = applyClick(s, 'd', { toggle: true }, order);
    expect([...s.selected].sort()).toEqual(['b', 'd']);
    s = applyClick(s, 'b', { toggle: true }, order);
    expect([...s.selected]).toEqual(['d']);
    // The last Ctrl-click set the anchor (b): Shift ranges go from there, replacing the selection.
    s = applyClick(s, 'e', { shift: true }, order);
    expect([...s.selected].sort()).toEqual(['b', 'c', 'd', 'e']);
    s = applyClick(s, 'a', { shift: true }, order);
    expect([...s.selected].sort()).toEqual(['a', 'b']);
    s = applyClick(s, 'e', { shift: true, toggle: true }, order);
    expect([...s.selected].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('selects all shown, and forgets boards that went away', () => {
    const s = selectAll(order);
    expect(s.selected.size).toBe(5);
    const p = pruneSelection(s, (k) => k !== 'a' && k !== 'c');
    expect([...p.selected]).toEqual(['b', 'd', 'e']);
    expect(p.anchor).toBeNull();
  });
});
