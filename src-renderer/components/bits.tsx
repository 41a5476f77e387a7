// Small display pieces shared by the views.
import type { ReactNode } from 'react';
import { describeWake, uptimeNow } from '../../src-main/common/board-state.js';
import type { BoardView } from '../../src-main/common/contract.js';
import { formatAgo, formatDuration, percent } from '../lib/format.js';
import { useUi } from '../stores/ui-store.js';

export function StatusDot({ state, label }: { state: string; label?: string }) {
  return <span className={`dot ${state}`} role="img" aria-label={label ?? state} title={label ?? state} />;
}

/** "12s ago", re-rendered by the shared one-second clock. */
export function Ago({ t }: { t: number | null | undefined }) {
  const now = useUi((s) => s.now);
  return (
    <span title={t ? new Date(t).toLocaleString() : undefined} data-testid="last-seen">
      {formatAgo(t, now)}
    </span>
  );
}

/** The uptime, advancing with the shared clock while the board is online (the status gives it once a minute or so). */
export function Uptime({ board }: { board: Pick<BoardView, 'online' | 'uptime' | 'uptimeAt' | 'lastSeen'> }) {
  const now = useUi((s) => s.now);
  const up = uptimeNow({ online: board.online, uptime: board.uptime, t: null }, board.uptimeAt ?? board.lastSeen, now);
  return <span data-testid="uptime">{formatDuration(up)}</span>;
}

/** "online", "asleep · wakes in 7s", "overdue 12s", "offline", counting down with the shared clock. */
export function BoardStateText({ board }: { board: Pick<BoardView, 'state' | 'wakeAt'> }) {
  const now = useUi((s) => s.now);
  const wake = describeWake({ state: board.state, ...(board.wakeAt !== undefined && { wakeAt: board.wakeAt }) }, now, formatDuration);
  const text = board.state === 'asleep' ? (wake.startsWith('asleep') ? 'asleep' : `asleep · ${wake}`) : board.state === 'overdue' ? wake || 'overdue' : board.state;
  return (
    <span data-testid="board-state" data-state={board.state} title={board.state === 'overdue' ? 'It should have woken by now: it is offline if it misses its next wake too' : undefined}>
      {text}
    </span>
  );
}

export function ProgressBar({ done, total, state, label }: { done: number; total: number; state?: 'running' | 'done' | 'failed' | 'indeterminate'; label: string }) {
  const p = state === 'done' ? 100 : percent(done, total);
  const cls = state === 'indeterminate' ? 'indeterminate' : (state ?? '');
  return (
    <div className={`progress ${cls}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={state === 'indeterminate' ? undefined : Math.round(p)}>
      <div style={{ width: `${p}%` }} />
    </div>
  );
}

export function ErrorNote({ children, testId }: { children: ReactNode; testId?: string }) {
  if (!children) return null;
  return (
    <div className="note-error" role="alert" data-testid={testId}>
      {children}
    </div>
  );
}
