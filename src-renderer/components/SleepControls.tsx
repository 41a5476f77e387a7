// A battery board in its panel: its duty cycle and state, "Stay awake for N minutes" (before REPL or
// files work), and the commands queued until its next wake, each with a Cancel.
import { useState } from 'react';
import type { BoardKey } from '../lib/board-key.js';
import type { FleetRow } from '../lib/fleet-query.js';
import { formatDuration, formatAgo } from '../lib/format.js';
import { cancelQueued, stayAwake } from '../services/wake.js';
import { useFleet } from '../stores/fleet-store.js';
import { useUi } from '../stores/ui-store.js';
import { useWake } from '../stores/wake-store.js';
import { BoardStateText } from './bits.js';

const MINUTES = [5, 15, 30, 60];

export function SleepControls({ boardKey, board }: { boardKey: BoardKey; board: FleetRow }) {
  const queued = useWake((s) => s.queued[boardKey]) ?? [];
  const cancelling = useWake((s) => s.cancelling);
  const last = useWake((s) => s.last[boardKey]);
  const action = useFleet((s) => s.actions[boardKey]);
  const now = useUi((s) => s.now);
  const [minutes, setMinutes] = useState(15);
  const sleeps = board.caps.includes('awake') || board.sleep !== undefined;
  if (!sleeps && queued.length === 0) return null;
  return (
    <div className="sleep-bar" data-testid="sleep-controls">
      <strong>Battery board</strong>
      {board.sleep && (
        <span className="muted" data-testid="duty-cycle">
          sleeps {formatDuration(board.sleep.period)}, awake {formatDuration(board.sleep.awake)}
        </span>
      )}
      <BoardStateText board={board} />
      <span className="grow" />
      <label className="row">
        Stay awake for
        <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} data-testid="stay-awake-minutes" aria-label="Minutes to stay awake">
          {MINUTES.map((m) => (
            <option key={m} value={m}>
              {m} min
            </option>
          ))}
        </select>
      </label>
      <button onClick={() => void stayAwake(boardKey, minutes)} disabled={action?.busy === 'stay-awake'} data-testid="stay-awake" title="Keeps the board up for the REPL and file work; a sleeping board gets it at its next wake">
        Stay awake
      </button>
      <button className="link" onClick={() => void stayAwake(boardKey, 0)} disabled={action?.busy === 'stay-awake'} data-testid="stay-awake-release" title="Let it sleep on its normal cycle again">
        Release
      </button>
      {(action?.done || action?.error) && (
        <span className={action.error ? 'error' : 'note-ok'} data-testid="sleep-action">
          {action.error ?? action.done}
        </span>
      )}
      {queued.length > 0 && (
        <ul className="queued" data-testid="queued-commands" aria-label="Queued until wake">
          {queued.map((c) => (
            <li key={c.id} className="row" data-testid="queued-command" data-running={c.running}>
              <span className="mono">{c.label}</span>
              <span className="muted">{c.running ? 'running now' : `queued until wake (${formatAgo(c.queuedAt, now)})`}</span>
              {!c.running && (
                <button className="danger" onClick={() => void cancelQueued(c.id)} disabled={cancelling.has(c.id)} data-testid="queued-cancel">
                  {cancelling.has(c.id) ? 'Cancelling…' : 'Cancel'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {queued.length === 0 && last && (
        <span className={last.ok || last.cancelled ? 'muted' : 'error'} data-testid="queued-last">
          {last.text}
        </span>
      )}
    </div>
  );
}
