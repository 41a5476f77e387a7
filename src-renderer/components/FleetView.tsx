// The fleet dashboard: every board of every connected broker, sortable, filterable, searchable,
// multi-selectable (click, Shift, Ctrl/Cmd, Ctrl+A, keyboard), virtualized. A firmware image
// dropped on it targets the selection (or the board it was dropped on).
import { useCallback, useRef, useState } from 'react';
import type { DragEvent, KeyboardEvent, MouseEvent } from 'react';
import type { BoardKey } from '../lib/board-key.js';
import { FLEET_FILTERS } from '../lib/fleet-query.js';
import type { SortColumn } from '../lib/fleet-query.js';
import { droppedFiles, isFileDrag } from '../services/local-files.js';
import { stageImage } from '../services/ota.js';
import { useFleet } from '../stores/fleet-store.js';
import { useProfiles } from '../stores/profiles-store.js';
import { useSelection } from '../stores/selection-store.js';
import { useUi } from '../stores/ui-store.js';
import { FleetActions } from './FleetActions.js';
import { FleetRow } from './FleetRow.js';
import { useBoardCounts, useBrokerName, useVisibleRows } from './hooks.js';
import { VirtualList } from './VirtualList.js';
import type { VirtualListHandle } from './VirtualList.js';

export const FLEET_ROW_HEIGHT = 32;

const COLUMNS: { col: SortColumn | null; label: string }[] = [
  { col: null, label: '' },
  { col: 'status', label: 'Status' },
  { col: 'prefix', label: 'Board' },
  { col: 'broker', label: 'Broker' },
  { col: 'fw', label: 'Firmware' },
  { col: 'partition', label: 'Partition' },
  { col: 'safe', label: 'Safe' },
  { col: 'reset', label: 'Reset cause' },
  { col: 'crashes', label: 'Crashes' },
  { col: 'uptime', label: 'Uptime' },
  { col: 'mem', label: 'Free heap' },
  { col: 'lastSeen', label: 'Last seen' },
  { col: null, label: '' },
];

const FILTER_LABEL: Record<string, string> = { all: 'All', online: 'Online', asleep: 'Asleep', overdue: 'Overdue', offline: 'Offline', safe: 'Safe mode', crashed: 'Crashed' };

export function FleetView() {
  const rows = useVisibleRows();
  const brokerName = useBrokerName();
  const query = useFleet((s) => s.query);
  const setQuery = useFleet((s) => s.setQuery);
  const sortBy = useFleet((s) => s.sortBy);
  const total = useFleet((s) => s.boards.size);
  const counts = useBoardCounts();
  const snapshot = useFleet((s) => s.snapshot);
  const anyConnected = useProfiles((s) => s.profiles.some((p) => p.state === 'online' || p.state === 'reconnecting'));
  const { selected, cursor, click, selectAll, clear, setCursor } = useSelection();
  const openBoardPanel = useUi((s) => s.openBoardPanel);
  const list = useRef<VirtualListHandle>(null);
  const [dragOver, setDragOver] = useState<BoardKey | 'view' | null>(null);
  const [dropError, setDropError] = useState<string | null>(null);

  const order = rows.map((r) => r.key);
  const orderRef = useRef(order);
  orderRef.current = order;
  const onRowClick = useCallback((key: BoardKey, e: MouseEvent) => click(key, { shift: e.shiftKey, toggle: e.ctrlKey || e.metaKey }, orderRef.current), [click]);
  const onOpen = useCallback((key: BoardKey) => openBoardPanel(key), [openBoardPanel]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (rows.length === 0) return;
    const at = cursor ? order.indexOf(cursor) : -1;
    // As in a file manager: arrows select the row they move to, Shift extends from the anchor,
    // Ctrl/Cmd moves the cursor only (then Space toggles the row under it).
    const move = (to: number) => {
      const i = Math.max(0, Math.min(order.length - 1, to));
      const key = order[i]!;
      if (e.ctrlKey || e.metaKey) setCursor(key);
      else click(key, { shift: e.shiftKey }, order);
      list.current?.reveal(i);
    };
    const page = Math.max(1, Math.floor((list.current?.element()?.clientHeight ?? 320) / FLEET_ROW_HEIGHT) - 1);
    switch (e.key) {
      case 'ArrowDown':
        move(at + 1);
        break;
      case 'ArrowUp':
        move(at < 0 ? 0 : at - 1);
        break;
      case 'PageDown':
        move(at + page);
        break;
      case 'PageUp':
        move(at - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(order.length - 1);
        break;
      case ' ':
        if (cursor) click(cursor, { toggle: true }, order);
        break;
      case 'Enter':
        if (cursor) openBoardPanel(cursor);
        break;
      case 'Escape':
        clear();
        break;
      case 'a':
        if (!(e.ctrlKey || e.metaKey)) return;
        selectAll(order);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const targetOf = (e: DragEvent): BoardKey | 'view' => {
    const key = (e.target as HTMLElement).closest?.('[data-key]')?.getAttribute('data-key');
    return key ?? 'view';
  };
  const onDragOver = (e: DragEvent) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    const t = targetOf(e);
    if (t !== dragOver) setDragOver(t);
  };
  const onDrop = (e: DragEvent) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    setDragOver(null);
    const { files } = droppedFiles(e.dataTransfer);
    const file = files[0];
    if (!file) return;
    const on = targetOf(e);
    // Dropped on a selected board, or beside the rows: the whole selection. On another board: that one.
    const targets = on !== 'view' && !selected.has(on) ? [on] : [...selected];
    if (targets.length === 0) {
      setDropError('Select the boards to update first (or drop the image on a board).');
      return;
    }
    setDropError(null);
    void stageImage(file, targets);
  };

  const loading = Object.values(snapshot).some((s) => s?.loading);
  const snapshotErrors = Object.entries(snapshot).filter(([, s]) => s?.error);

  return (
    <div className="view" data-testid="fleet-view" onDragOver={onDragOver} onDragLeave={(e) => e.currentTarget === e.target && setDragOver(null)} onDrop={onDrop} style={{ position: 'relative' }}>
      <div className="toolbar" role="toolbar" aria-label="Fleet filters">
        <input
          type="search"
          placeholder="Search boards, tag:name (/)"
          value={query.search}
          onChange={(e) => setQuery({ search: e.target.value })}
          data-testid="fleet-search"
          id="fleet-search"
          aria-label="Search boards"
        />
        {FLEET_FILTERS.map((f) => (
          <button key={f} className="chip" aria-pressed={query.filter === f} onClick={() => setQuery({ filter: f })} data-testid={`fleet-filter-${f}`}>
            {FILTER_LABEL[f]}
            {(f === 'asleep' || f === 'overdue') && <span className="muted" data-testid={`fleet-count-${f}`}> {counts[f]}</span>}
          </button>
        ))}
        <span className="grow" />
        <span className="muted" data-testid="fleet-count">
          {rows.length === total ? `${total} boards` : `${rows.length} of ${total} boards`}
          {selected.size > 0 ? `, ${selected.size} selected` : ''}
          {loading ? ' — loading…' : ''}
        </span>
      </div>
      <FleetActions order={order} />
      {snapshotErrors.map(([id, s]) => (
        <div key={id} className="banner bad" role="alert">
          {brokerName(id)}: could not load the fleet: {s?.error}
        </div>
      ))}
      {dropError && (
        <div className="banner" role="alert" data-testid="drop-error">
          {dropError}
        </div>
      )}
      <div className="fleet-head fleet-grid" role="row">
        {COLUMNS.map((c, i) =>
          c.col ? (
            <button key={c.col} onClick={() => sortBy(c.col!)} aria-sort={query.sort === c.col ? (query.desc ? 'descending' : 'ascending') : undefined} data-testid={`sort-${c.col}`} role="columnheader">
              {c.label}
              {query.sort === c.col ? (query.desc ? ' ▼' : ' ▲') : ''}
            </button>
          ) : (
            <span key={i} role="columnheader" />
          ),
        )}
      </div>
      {total === 0 ? (
        <div className="empty" data-testid="fleet-empty">
          {anyConnected ? (loading ? 'Loading the fleet…' : 'No boards have announced themselves on the connected brokers yet.') : 'Connect a broker (left) to see its boards.'}
        </div>
      ) : (
        <VirtualList
          ref={list}
          count={rows.length}
          rowHeight={FLEET_ROW_HEIGHT}
          tabIndex={0}
          role="grid"
          aria-label="Boards"
          aria-multiselectable
          data-testid="fleet-list"
          onKeyDown={onKeyDown}
          renderRow={(i) => {
            const r = rows[i]!;
            return (
              <FleetRow
                key={r.key}
                row={r}
                broker={brokerName(r.profileId)}
                selected={selected.has(r.key)}
                cursor={cursor === r.key}
                dropTarget={dragOver === r.key}
                onClick={onRowClick}
                onOpen={onOpen}
              />
            );
          }}
        />
      )}
      {dragOver !== null && (
        <div className="drop-overlay" data-testid="fleet-drop-overlay">
          Drop a firmware image to update {dragOver !== 'view' && !selected.has(dragOver) ? 'this board' : `the ${selected.size} selected board${selected.size === 1 ? '' : 's'}`}
        </div>
      )}
    </div>
  );
}
