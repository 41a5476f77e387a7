// The arithmetic of a virtualized list with a fixed row height: which rows intersect the viewport
// (plus a few above and below so fast scrolling does not show blanks). Pure.

export interface RowWindow {
  /** First rendered row (inclusive). */
  start: number;
  /** Last rendered row + 1. */
  end: number;
  /** Pixel offset of the first rendered row. */
  offset: number;
  /** Height of the whole list. */
  total: number;
}

/**
 * The rows to render. Bounds snap to multiples of `chunk` rows (plus one chunk of margin), so
 * while the user scrolls within a chunk the window stays the same and nothing re-renders: the
 * browser just scrolls what is already painted.
 */
export function computeWindow(scrollTop: number, viewport: number, rowHeight: number, count: number, chunk = 8): RowWindow {
  const total = count * rowHeight;
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, total };
  const c = Math.max(1, Math.floor(chunk));
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, total - viewport)));
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(viewport, rowHeight) / rowHeight) + 1;
  // Everything hangs on the chunk of the first visible row: the window moves one chunk at a time.
  const base = Math.floor(first / c) * c;
  const start = Math.max(0, base - c);
  const end = Math.min(count, base + Math.ceil(visible / c) * c + c);
  return { start, end, offset: start * rowHeight, total };
}

export const sameWindow = (a: RowWindow, b: RowWindow): boolean => a.start === b.start && a.end === b.end && a.total === b.total;

/** The scrollTop that brings `row` fully into view (unchanged when it already is). */
export function scrollToReveal(scrollTop: number, viewport: number, rowHeight: number, row: number): number {
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return top + rowHeight - viewport;
  return scrollTop;
}
