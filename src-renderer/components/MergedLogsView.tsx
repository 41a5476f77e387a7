// The logs of several boards in one stream (arrival order), each line tagged with its board.
// The watched boards stay subscribed while other views are shown (LogWatcher), so switching to
// the dashboard and back loses nothing.
import { useEffect, useMemo } from 'react';
import type { BoardKey } from '../lib/board-key.js';
import { subscribeLogs, unsubscribeLogs } from '../services/logs.js';
import { useFleet } from '../stores/fleet-store.js';
import { MERGED_VIEW, useLogs } from '../stores/logs-store.js';
import { useSelection } from '../stores/selection-store.js';
import { LogsView } from './LogsView.js';

/** More boards than this would flood the link to main with log traffic. */
export const MERGED_MAX_BOARDS = 250;

/** The online boards of a selection that can be watched (sorted, capped). */
export function watchableKeys(selected: Iterable<BoardKey>, isOnline: (k: BoardKey) => boolean): BoardKey[] {
  return [...selected].filter(isOnline).sort().slice(0, MERGED_MAX_BOARDS);
}

/** Keeps the watched boards subscribed, whatever view is shown. Renders nothing. */
export function LogWatcher() {
  const watched = useLogs((s) => s.watched);
  const keyList = watched.join('\n');
  useEffect(() => {
    const keys = keyList.split('\n').filter(Boolean);
    for (const k of keys) void subscribeLogs(k);
    return () => {
      for (const k of keys) void unsubscribeLogs(k);
    };
  }, [keyList]);
  return null;
}

export function MergedLogsView() {
  const watched = useLogs((s) => s.watched);
  const setWatched = useLogs((s) => s.setWatched);
  const selected = useSelection((s) => s.selected);
  const boards = useFleet((s) => s.boards);
  const candidates = useMemo(() => watchableKeys(selected, (k) => !!boards.get(k)?.online), [selected, boards]);
  const sameAsWatched = candidates.length === watched.length && candidates.every((k, i) => k === watched[i]);
  return (
    <div className="view" data-testid="merged-logs">
      <div className="toolbar">
        <span data-testid="watched-count">
          {watched.length ? `Watching the logs of ${watched.length} board${watched.length === 1 ? '' : 's'}` : 'Not watching any board'}
        </span>
        <span className="grow" />
        {candidates.length > 0 && !sameAsWatched && (
          <button className="primary" onClick={() => setWatched(candidates)} data-testid="watch-selection">
            Watch the {candidates.length} selected board{candidates.length === 1 ? '' : 's'}
          </button>
        )}
        {watched.length > 0 && (
          <button onClick={() => setWatched([])} data-testid="watch-stop">
            Stop watching
          </button>
        )}
      </div>
      {selected.size > MERGED_MAX_BOARDS && <div className="banner">At most {MERGED_MAX_BOARDS} boards can be watched at once.</div>}
      {watched.length === 0 ? (
        <div className="empty">Select online boards on the fleet dashboard, then watch their logs here together.</div>
      ) : (
        <LogsView keys={watched} viewId={MERGED_VIEW} />
      )}
    </div>
  );
}
