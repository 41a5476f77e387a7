// One board: a summary header and tabs (terminal, files, logs, OTA, crashes).
import { useEffect } from 'react';
import type { KeyboardEvent } from 'react';
import { formatBytes } from '../lib/format.js';
import { closeSession } from '../services/tty.js';
import { useFleet } from '../stores/fleet-store.js';
import { useUi } from '../stores/ui-store.js';
import type { BoardTab } from '../stores/ui-store.js';
import { AppModules } from './AppModules.js';
import { Ago, BoardStateText, StatusDot, Uptime } from './bits.js';
import { CrashDetails } from './CrashDetails.js';
import { FilesTab } from './FilesTab.js';
import { useBrokerName } from './hooks.js';
import { LogsView } from './LogsView.js';
import { OtaTab } from './OtaTab.js';
import { SleepControls } from './SleepControls.js';
import { TerminalTab } from './TerminalTab.js';

const TABS: { id: BoardTab; label: string }[] = [
  { id: 'terminal', label: 'Terminal' },
  { id: 'files', label: 'Files' },
  { id: 'logs', label: 'Logs' },
  { id: 'ota', label: 'Firmware' },
  { id: 'crashes', label: 'Crashes' },
];

export function BoardPanel({ boardKey }: { boardKey: string }) {
  const board = useFleet((s) => s.boards.get(boardKey));
  const tab = useUi((s) => s.boardTab);
  const setTab = useUi((s) => s.setBoardTab);
  const close = useUi((s) => s.closeBoardPanel);
  const brokerName = useBrokerName();

  // The REPL session lives as long as the board is open (across tab switches).
  useEffect(() => () => void closeSession(boardKey), [boardKey]);

  const onTabKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const t = TABS[(next + TABS.length) % TABS.length]!;
    setTab(t.id);
    document.getElementById(`tab-${t.id}`)?.focus();
  };

  if (!board) {
    return (
      <div className="view">
        <div className="board-head">
          <button onClick={close}>← Fleet</button>
        </div>
        <div className="empty" data-testid="board-gone">
          This board is not on any connected broker any more ({boardKey.slice(boardKey.indexOf('/') + 1)}).
        </div>
      </div>
    );
  }
  return (
    <div className="view" data-testid="board-panel" data-prefix={board.prefix}>
      <div className="board-head">
        <button onClick={close} title="Back to the fleet (Esc)" data-testid="board-close">
          ← Fleet
        </button>
        <StatusDot state={board.state} />
        <h2>{board.prefix}</h2>
        {board.state !== 'online' && <BoardStateText board={board} />}
        <span className="muted">{brokerName(board.profileId)}</span>
        <span data-testid="board-fw">
          {board.project} {board.fw}
        </span>
        <span>
          {board.partition}
          {board.pendingVerify && (
            <span className="badge warn" data-testid="board-pending-verify">
              {' '}
              pending verify
            </span>
          )}
        </span>
        {board.safeMode && (
          <span className="badge bad" title={board.safeReason} data-testid="board-safe">
            SAFE MODE
          </span>
        )}
        <AppModules modules={board.modules} />
        <span className="muted">
          up <Uptime board={board} />
        </span>
        <span className="muted">{formatBytes(board.memFree)} free</span>
        <span className="muted">
          seen <Ago t={board.lastSeen} />
        </span>
      </div>
      <SleepControls boardKey={boardKey} board={board} />
      <div className="tabs" role="tablist" aria-label="Board tools" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            id={`tab-${t.id}`}
            role="tab"
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
            data-testid={`tab-${t.id}`}
          >
            {t.label}
            {t.id === 'crashes' && board.crashes > 0 ? ` (${board.crashes})` : ''}
          </button>
        ))}
      </div>
      <div className="tab-body" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'terminal' && <TerminalTab boardKey={boardKey} online={board.online} />}
        {tab === 'files' && <FilesTab boardKey={boardKey} />}
        {tab === 'logs' && <LogsView keys={[boardKey]} viewId={boardKey} />}
        {tab === 'ota' && <OtaTab boardKey={boardKey} />}
        {tab === 'crashes' && (
          <div className="cards">
            <CrashDetails boardKey={boardKey} />
          </div>
        )}
      </div>
    </div>
  );
}
