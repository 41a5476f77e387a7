// A windowed list with a fixed row height: only the rows in view (plus a chunk around them) exist
// in the DOM, so 1,000 boards or 50,000 log lines scroll as smoothly as 30. Scrolling re-renders
// only when the window moves to another chunk. Optionally sticks to the bottom ("follow") and
// tells when the user scrolled away from it.
import { forwardRef, useCallback, useImperativeHandle, useLayoutEffect, useRef, useState } from 'react';
import type { HTMLAttributes, KeyboardEvent, ReactNode } from 'react';
import { computeWindow, sameWindow, scrollToReveal } from '../lib/windowing.js';
import type { RowWindow } from '../lib/windowing.js';

export interface VirtualListHandle {
  /** Scrolls just enough to show row `index`. */
  reveal(index: number): void;
  scrollToBottom(): void;
  element(): HTMLDivElement | null;
}

interface Props extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  count: number;
  rowHeight: number;
  renderRow: (index: number) => ReactNode;
  /** Rows per window step (see computeWindow). */
  chunk?: number;
  /** Keep the last row in view as rows are added. */
  follow?: boolean;
  /** The user scrolled: whether the view is now at the bottom. */
  onFollowChange?: (atBottom: boolean) => void;
  onKeyDown?: (e: KeyboardEvent<HTMLDivElement>) => void;
}

export const VirtualList = forwardRef<VirtualListHandle, Props>(function VirtualList(
  { count, rowHeight, renderRow, chunk = 8, follow = false, onFollowChange, className, ...rest },
  ref,
) {
  const el = useRef<HTMLDivElement>(null);
  const scrollTop = useRef(0);
  const [viewport, setViewport] = useState(600);
  const [win, setWin] = useState<RowWindow>(() => computeWindow(0, 600, rowHeight, count, chunk));
  // The scrollTop we set ourselves: its scroll event is not the user scrolling away.
  const ours = useRef<number | null>(null);

  // Geometry comes from state and refs, never read back from the DOM while scrolling: reading
  // layout there would force a synchronous layout on every scroll event.
  const refresh = useCallback(() => {
    const next = computeWindow(scrollTop.current, viewport, rowHeight, count, chunk);
    setWin((w) => (sameWindow(w, next) ? w : next));
  }, [viewport, rowHeight, count, chunk]);

  useLayoutEffect(() => {
    const node = el.current;
    if (!node) return;
    setViewport(node.clientHeight || 600);
    const ro = new ResizeObserver(() => setViewport(node.clientHeight || 600));
    ro.observe(node);
    return () => ro.disconnect();
  }, []);

  const toBottom = useCallback(() => {
    const node = el.current;
    if (!node) return;
    const top = Math.max(0, count * rowHeight - viewport);
    if (Math.abs(node.scrollTop - top) >= 1) {
      ours.current = top;
      node.scrollTop = top;
    }
    scrollTop.current = top;
  }, [count, rowHeight, viewport]);

  // New rows, a resize or follow mode: place the scroll position first, then the window.
  useLayoutEffect(() => {
    if (follow) toBottom();
    refresh();
  }, [follow, toBottom, refresh]);

  useImperativeHandle(
    ref,
    () => ({
      reveal(index) {
        const node = el.current;
        if (!node) return;
        const top = scrollToReveal(node.scrollTop, node.clientHeight, rowHeight, index);
        if (top !== node.scrollTop) node.scrollTop = top;
      },
      scrollToBottom: toBottom,
      element: () => el.current,
    }),
    [rowHeight, toBottom],
  );

  const onScroll = () => {
    const node = el.current;
    if (!node) return;
    scrollTop.current = node.scrollTop;
    refresh();
    if (ours.current !== null && Math.abs(node.scrollTop - ours.current) < 2) {
      ours.current = null;
      return;
    }
    ours.current = null;
    const atBottom = scrollTop.current + viewport >= count * rowHeight - rowHeight / 2;
    onFollowChange?.(atBottom);
  };

  const rows: ReactNode[] = [];
  for (let i = win.start; i < Math.min(win.end, count); i++) rows.push(renderRow(i));
  return (
    <div ref={el} className={`vlist ${className ?? ''}`} onScroll={onScroll} {...rest}>
      <div className="vlist-inner" style={{ height: count * rowHeight }}>
        <div className="vlist-rows" style={{ transform: `translateY(${win.offset}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  );
});
