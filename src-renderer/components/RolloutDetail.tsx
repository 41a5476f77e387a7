// One rollout: its status and reason, rate, the waves with each board's state (and why it failed,
// was rolled back or skipped), the failures, and Pause / Resume / Abort / Retry failed.
import { boardsPerMinute, buttonsFor, failuresOf, phaseCounts, waveState } from '../lib/rollout-figures.js';
import { formatBytes, formatRate } from '../lib/format.js';
import { useEffect } from 'react';
import { followOtherRunner, rolloutAction } from '../services/rollouts.js';
import { uploadKey, useRollouts } from '../stores/rollouts-store.js';
import type { RolloutAction } from '../stores/rollouts-store.js';
import type { RolloutView } from '../../src-main/common/contract.js';
import { ErrorNote, ProgressBar } from './bits.js';

const PHASE_CLASS: Record<string, string> = { healthy: 'ok', failed: 'bad', 'rolled-back': 'bad', skipped: 'warn', updating: '', verifying: '', pending: '' };
const BUTTONS: [RolloutAction, keyof ReturnType<typeof buttonsFor>, string, string][] = [
  ['pause', 'pause', 'Pause', ''],
  ['resume', 'resume', 'Resume', 'primary'],
  ['retry', 'retry', 'Retry failed', ''],
  ['abort', 'abort', 'Abort', 'danger'],
];

/** A board's upload while it is `updating`: the bytes sent, as in the OTA view. */
function Upload({ id, prefix }: { id: string; prefix: string }) {
  const p = useRollouts((s) => s.uploads[uploadKey(id, prefix)]);
  if (!p || p.phase === 'done') return null;
  return (
    <span className="row" data-testid="rollout-upload" data-phase={p.phase}>
      <ProgressBar done={p.sent} total={p.total} state={p.phase === 'failed' ? 'failed' : 'running'} label={`Upload to ${prefix}`} />
      <span className="muted">{formatRate(p.rate)}</span>
    </span>
  );
}

function Waves({ r }: { r: RolloutView }) {
  return (
    <>
      {r.waves.map((boards, i) => {
        const c = phaseCounts(boards);
        const name = i === 0 && r.waves.length > 1 && boards.length === 1 ? 'canary' : `wave ${i + 1}`;
        return (
          <div key={i} className="card" data-testid="rollout-wave" data-wave={i + 1} data-state={waveState(boards)}>
            <div className="row">
              <strong className="grow">
                {name} · {boards.length} board{boards.length === 1 ? '' : 's'}
              </strong>
              <span className="muted" data-testid="rollout-wave-counts">
                {c.healthy} healthy · {c.updating + c.verifying} in progress · {c.failed + c['rolled-back']} failed · {c.skipped} skipped · {c.pending} pending
              </span>
            </div>
            {boards.map((b) => (
              <div key={b.prefix} className="row" data-testid="rollout-board" data-prefix={b.prefix} data-phase={b.phase}>
                <span className="mono" style={{ minWidth: 160 }}>{b.prefix}</span>
                <span className={`badge ${PHASE_CLASS[b.phase] ?? ''}`} style={{ whiteSpace: 'nowrap' }} data-testid="rollout-board-phase">{b.phase}</span>
                {b.phase === 'updating' && <Upload id={r.id} prefix={b.prefix} />}
                <span className="muted">{b.fromFw !== undefined ? `${b.fromFw} → ${b.fw ?? (b.phase === 'healthy' ? r.version : '…')}` : ''}</span>
                {b.reason && <span className={b.phase === 'skipped' ? 'muted' : 'error'} data-testid="rollout-board-reason">{b.reason}</span>}
              </div>
            ))}
          </div>
        );
      })}
    </>
  );
}

export function RolloutDetail({ id }: { id: string }) {
  const r = useRollouts((s) => s.views[id]);
  const busy = useRollouts((s) => s.busy[id]);
  const error = useRollouts((s) => s.actionError[id]);
  useEffect(() => followOtherRunner(id), [id]);
  if (!r) return <ErrorNote testId="rollout-action-error">{error}</ErrorNote>;
  const can = buttonsFor(r);
  const rate = boardsPerMinute(r);
  const failures = failuresOf(r);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 12 }} data-testid="rollout-detail" data-id={r.id} data-status={r.status}>
      <div className="card">
        <div className="row">
          <strong className="grow" data-testid="rollout-what">
            {r.what}
            {r.size !== undefined ? ` · ${formatBytes(r.size)}` : ''} → {[...r.patterns, ...(r.tags ?? []).map((t) => `tag:${t}`)].join(' ')}
          </strong>
          <span className="badge" data-testid="rollout-status">{r.status}</span>
        </div>
        {r.reason && <div className={r.status === 'done' ? 'muted' : 'error'} data-testid="rollout-reason">{r.reason}</div>}
        <dl className="facts">
          <dt>Rate</dt>
          <dd data-testid="rollout-rate">{rate === null ? '—' : `${rate.toFixed(1)} boards/min`}</dd>
          <dt>Waves</dt>
          <dd>{r.waveSizes} · pause when more than {r.threshold.maxBoards > 1e12 ? '∞' : r.threshold.maxBoards} board(s) or {r.threshold.maxPercent} % of a wave fail</dd>
          <dt>Health gate</dt>
          <dd>online within {r.gate.onlineWithinS} s, confirmed within {r.gate.confirmWithinS} s, stable for {r.gate.stableS} s · {r.concurrency} at once</dd>
          <dt>Sleeping boards</dt>
          <dd data-testid="rollout-wake-wait">{r.wakeWaitS !== undefined ? `updated at their next wake (each wait up to ${r.wakeWaitS} s)` : 'skipped (no wait for their wake)'}</dd>
          <dt>Run by</dt>
          <dd data-testid="rollout-runner">{r.runner === 'here' ? 'this console' : r.runner === 'other' ? 'another process (mqboard rollout)' : 'nobody'}</dd>
        </dl>
        <div className="actions">
          {BUTTONS.map(([action, key, label, cls]) => (
            <button key={action} className={cls} onClick={() => void rolloutAction(r.id, action)} disabled={!can[key] || !!busy} data-testid={`rollout-${action}`}>
              {busy === action ? `${label}…` : label}
            </button>
          ))}
        </div>
        <ErrorNote testId="rollout-action-error">{error}</ErrorNote>
        {failures.length > 0 && (
          <div data-testid="rollout-failures">
            <strong>Failures</strong>
            {failures.map((b) => (
              <div key={b.prefix} className="row" data-testid="rollout-failure" data-prefix={b.prefix}>
                <span className="mono">{b.prefix}</span>
                <span className="error">{b.phase}: {b.reason ?? '?'}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      <Waves r={r} />
    </div>
  );
}
