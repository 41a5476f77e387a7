// Board logs, colored by severity like the original viewer: filter by level and text, follow or
// pause, export. One board (the board's tab) or several merged (the selection's logs view).
// Virtualized and filtered incrementally, so a long history and a fast stream stay smooth.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { BoardKey } from '../lib/board-key.js';
import { FilteredLog, LEVEL_NAMES, LEVELS, LogRing } from '../lib/log-buffer.js';
import type { Level } from '../lib/log-buffer.js';
import { exportBoardLog, exportItems, subscribeLogs, unsubscribeLogs } from '../services/logs.js';
import { DEFAULT_LOG_VIEW, useLogs } from '../stores/logs-store.js';
import { ErrorNote } from './bits.js';
import { VirtualList } from './VirtualList.js';

export const LOG_ROW_HEIGHT = 18;
const EMPTY_RING = new LogRing(1);

export function LogsView({ keys, viewId }: { keys: readonly BoardKey[]; viewId: string }) {
  const view = useLogs((s) => s.views[viewId]) ?? DEFAULT_LOG_VIEW;
  const setView = useLogs((s) => s.setView);
  const version = useLogs((s) => s.version);
  const subs = useLogs((s) => s.subs);
  const [exportError, setExportError] = useState<string | null>(null);
  const single = keys.length === 1;
  const keyList = keys.join('\n');

  useEffect(() => {
    const list = keyList.split('\n').filter(Boolean);
    for (const k of list) void subscribeLogs(k);
    return () => {
      for (const k of list) void unsubscribeLogs(k);
    };
  }, [keyList]);

  const { rings, merged } = useLogs.getState();
  const ring = single ? (rings.get(keys[0]!) ?? EMPTY_RING) : merged;
  const keySet = useMemo(() => (single ? undefined : new Set(keyList.split('\n'))), [single, keyList]);
  const levels = useMemo(() => new Set<Level>(view.levels), [view.levels]);
  const filtered = useRef<FilteredLog | null>(null);
  const f = filtered.current;
  if (!f || f.ring !== ring || f.filter.levels !== levels || f.filter.text !== view.text || f.filter.keys !== keySet) {
    filtered.current = new FilteredLog(ring, { levels, text: view.text, keys: keySet });
  } else f.update();
  const log = filtered.current!;
  void version; // re-rendered on every flush: the update above reads what arrived

  const toggleLevel = (l: Level) => setView(viewId, { levels: view.levels.includes(l) ? view.levels.filter((x) => x !== l) : [...view.levels, l] });
  const errors = keys.flatMap((k) => (subs[k]?.state === 'error' ? [`${k.slice(k.indexOf('/') + 1)}: ${subs[k]!.error}`] : []));
  const waiting = keys.some((k) => subs[k]?.state === 'subscribing');

  const doExport = async () => {
    setExportError(null);
    if (single) {
      const err = await exportBoardLog(keys[0]!);
      if (err) setExportError(`Export failed: ${err}`);
      return;
    }
    const seen = new Set<unknown>();
    const items = [];
    for (let i = 0; i < log.count; i++) {
      const r = log.row(i);
      if (r && !seen.has(r.item)) {
        seen.add(r.item);
        items.push(r.item);
      }
    }
    exportItems(`mqboard-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.log`, items, true);
  };

  return (
    <div className="view" data-testid="logs-view">
      <div className="toolbar" role="toolbar" aria-label="Log filters">
        {LEVELS.map((l) => (
          <button key={l} className={`chip level-toggle lvl-${l}`} aria-pressed={view.levels.includes(l)} onClick={() => toggleLevel(l)} title={`Show ${LEVEL_NAMES[l]} lines`} data-testid={`log-level-${l === '?' ? 'other' : l}`}>
            {LEVEL_NAMES[l]}
          </button>
        ))}
        <input type="search" placeholder="Filter text" value={view.text} onChange={(e) => setView(viewId, { text: e.target.value })} aria-label="Filter log text" data-testid="log-filter" />
        <button aria-pressed={view.follow} onClick={() => setView(viewId, { follow: !view.follow })} data-testid="log-follow" title="Follow new lines (scrolling up pauses)">
          {view.follow ? 'Following' : 'Paused'}
        </button>
        <button onClick={() => void doExport()} data-testid="log-export">
          Export
        </button>
        <span className="grow" />
        <span className="muted" data-testid="log-count">
          {log.count} lines{waiting ? ' — subscribing…' : ''}
        </span>
      </div>
      <ErrorNote>{exportError}</ErrorNote>
      {errors.length > 0 && <ErrorNote testId="log-errors">{`Could not subscribe to:\n${errors.join('\n')}`}</ErrorNote>}
      <VirtualList
        count={log.count}
        rowHeight={LOG_ROW_HEIGHT}
        follow={view.follow}
        onFollowChange={(atBottom) => atBottom !== view.follow && setView(viewId, { follow: atBottom })}
        tabIndex={0}
        aria-label="Log lines"
        data-testid="log-list"
        renderRow={(i) => {
          const r = log.row(i);
          if (!r) return <div key={i} className="log-row" />;
          const l = r.item.line;
          return (
            <div key={r.id} className={`log-row lvl-${l.level}`} data-testid="log-row" data-level={l.level}>
              {r.sub === 0 ? (
                <>
                  {!single && <span className="board">[{r.item.key.slice(r.item.key.indexOf('/') + 1)}] </span>}
                  {l.level} {l.time} <span className="logger">{l.logger.padStart(8)}</span>: {r.text}
                </>
              ) : (
                `    ${r.text}`
              )}
            </div>
          );
        }}
      />
    </div>
  );
}
