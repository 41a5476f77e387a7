// Firmware updates: staged rollouts (a form to start one, every rollout of the data dir, the
// selected one in detail), then every direct update started in this window, newest first.
import { useEffect } from 'react';
import { loadRollouts, showRollout } from '../services/rollouts.js';
import { useOta } from '../stores/ota-store.js';
import { useRollouts } from '../stores/rollouts-store.js';
import { formatTime } from '../lib/format.js';
import { ErrorNote } from './bits.js';
import { OtaJobCard } from './OtaJobCard.js';
import { RolloutDetail } from './RolloutDetail.js';
import { RolloutForm } from './RolloutForm.js';

function RolloutList() {
  const order = useRollouts((s) => s.order);
  const summaries = useRollouts((s) => s.summaries);
  const selected = useRollouts((s) => s.selected);
  const error = useRollouts((s) => s.listError);
  return (
    <div className="card" data-testid="rollout-list">
      <strong>Rollouts</strong>
      <ErrorNote>{error}</ErrorNote>
      {order.length === 0 && <span className="muted">No rollouts yet (the CLI's `mqboard rollout start` ones show here too).</span>}
      {order.map((id) => {
        const r = summaries[id]!;
        return (
          <button key={id} className="row" style={{ textAlign: 'left' }} aria-pressed={id === selected} onClick={() => void showRollout(id)} data-testid="rollout-item" data-id={id} data-status={r.status}>
            <span className="mono grow">{r.version ?? r.what}</span>
            <span className="muted">{formatTime(r.createdAt)}</span>
            <span className="muted">{r.boards} boards</span>
            <span className="badge">{r.status}</span>
          </button>
        );
      })}
    </div>
  );
}

export function UpdatesView() {
  const order = useOta((s) => s.jobOrder);
  const selected = useRollouts((s) => s.selected);
  useEffect(() => void loadRollouts(), []);
  return (
    <div className="view" data-testid="updates-view">
      {/* One scroller for the form, the list, the selected rollout and the direct updates. */}
      <div className="cards">
        <RolloutForm />
        <RolloutList />
        {selected && <RolloutDetail id={selected} />}
        {order.length === 0 ? (
          <div className="empty">No direct firmware updates yet. Select boards on the fleet dashboard and drop a firmware image (.bin) on them.</div>
        ) : (
          order.map((id) => <OtaJobCard key={id} jobId={id} />)
        )}
      </div>
    </div>
  );
}
