// Small display pieces shared by the views.
import type { ReactNode } from 'react';
import { formatAgo, percent } from '../lib/format.js';
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
