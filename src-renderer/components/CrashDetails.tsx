// A board's crash records with their tracebacks, and what to do about them: clear the log,
// reboot normally (after fixing the app), reboot into safe mode.
import { useEffect, useState } from 'react';
import type { BoardKey } from '../lib/board-key.js';
import { formatTime } from '../lib/format.js';
import { clearCrashLog, loadCrashLog, resetBoard } from '../services/boards.js';
import type { ResetMode } from '../services/boards.js';
import { useFleet } from '../stores/fleet-store.js';
import { useUi } from '../stores/ui-store.js';
import { failedApps } from './AppModules.js';
import { ErrorNote } from './bits.js';
import { ConfirmDialog } from './Modal.js';

export function CrashDetails({ boardKey, showOpen }: { boardKey: BoardKey; showOpen?: boolean }) {
  const board = useFleet((s) => s.boards.get(boardKey));
  const log = useFleet((s) => s.crashlogs[boardKey]);
  const action = useFleet((s) => s.actions[boardKey]);
  const openBoardPanel = useUi((s) => s.openBoardPanel);
  const [confirm, setConfirm] = useState<ResetMode | 'clear' | null>(null);
  const online = board?.online ?? false;
  // A battery board that sleeps takes the actions at its next wake (queued until then).
  const sleeps = board?.state === 'asleep' || board?.state === 'overdue';
  const reachable = online || sleeps;
  const crashes = board?.crashes ?? 0;

  // Fetched when shown, and again when the board reports a different number of crashes.
  useEffect(() => {
    if (online) void loadCrashLog(boardKey);
  }, [boardKey, online, crashes]);

  if (!board) return null;
  const busy = !!action?.busy;
  const failed = failedApps(board.modules);
  return (
    <div className="card" data-testid="crash-details" data-prefix={board.prefix}>
      <div className="row wrap">
        <strong className="mono grow">{board.prefix}</strong>
        {board.safeMode && <span className="badge bad">SAFE MODE</span>}
        {showOpen && (
          <button onClick={() => openBoardPanel(boardKey, 'files')} data-testid="crash-open-files" title="Fix the app in the board's files">
            Open files
          </button>
        )}
      </div>
      {board.safeMode && (
        <div data-testid="safe-reason">
          In safe mode: <strong>{board.safeReason || 'no reason given'}</strong>. Apps do not start until the board is rebooted normally.
        </div>
      )}
      {failed.length > 0 && (
        <div data-testid="failed-modules">
          <strong>App{failed.length === 1 ? '' : 's'} that failed to start:</strong>
          <ul>
            {failed.map(([name, why]) => (
              <li key={name} data-testid="failed-module" data-app={name}>
                <span className="mono">{name}</span>: <span className="error">{why.replace(/^failed:\s*/, '')}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="row wrap">
        <button onClick={() => setConfirm('normal')} disabled={busy || !reachable} data-testid="reboot-normal">
          Reboot normally
        </button>
        <button onClick={() => setConfirm('safe')} disabled={busy || !reachable} data-testid="reboot-safe">
          Reboot in safe mode
        </button>
        <button className="danger" onClick={() => setConfirm('clear')} disabled={busy || !reachable || (!sleeps && (log?.records?.length ?? 0) === 0)} data-testid="clear-crashlog">
          Clear crash log
        </button>
        {action?.busy && <span className="muted">Working…</span>}
        {action?.done && (
          <span className="note-ok" data-testid="crash-action-done">
            {action.done}
          </span>
        )}
        {!reachable && <span className="muted">The board is offline.</span>}
        {sleeps && <span className="muted">The board is asleep: these wait for its next wake.</span>}
      </div>
      <ErrorNote testId="crash-action-error">{action?.error}</ErrorNote>
      <ErrorNote testId="crashlog-error">{log?.error}</ErrorNote>
      {log?.loading && !log.records && <div className="muted">Loading the crash log…</div>}
      {log?.records?.length === 0 && <div className="muted" data-testid="crashlog-empty">No crash records.</div>}
      {log?.records?.map((r, i) => (
        <div key={i} className="card" data-testid="crash-record">
          <div className="row wrap">
            <strong className="error grow">{r.error}</strong>
            <span className="muted">
              {r.where} · boot {r.boot ?? '?'} · {r.t ? formatTime(r.t * 1000) : 'time unknown'}
            </span>
          </div>
          <pre className="traceback" data-testid="crash-trace">
            {r.trace}
          </pre>
        </div>
      ))}
      {confirm && (
        <ConfirmDialog
          title={confirm === 'clear' ? 'Clear crash log' : confirm === 'safe' ? 'Reboot in safe mode' : 'Reboot normally'}
          message={
            confirm === 'clear'
              ? `Delete the ${log?.records?.length ?? 0} crash record(s) of ${board.prefix}?`
              : confirm === 'safe'
                ? `Reboot ${board.prefix} into safe mode? Its apps will not start.`
                : `Reboot ${board.prefix} normally? If its app still fails, it ends up in safe mode again.`
          }
          confirmLabel={confirm === 'clear' ? 'Clear' : 'Reboot'}
          danger={confirm === 'clear'}
          onCancel={() => setConfirm(null)}
          onConfirm={() => {
            const c = confirm;
            setConfirm(null);
            void (c === 'clear' ? clearCrashLog(boardKey) : resetBoard(boardKey, c));
          }}
        />
      )}
    </div>
  );
}
