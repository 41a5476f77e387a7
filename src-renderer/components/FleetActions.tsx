// Bulk actions on the dashboard's selection: update firmware, reboot, merged logs.
import { useRef, useState } from 'react';
import { splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { resetBoards } from '../services/boards.js';
import type { ResetMode } from '../services/boards.js';
import { stageImage } from '../services/ota.js';
import { useFleet } from '../stores/fleet-store.js';
import { useLogs } from '../stores/logs-store.js';
import { useSelection } from '../stores/selection-store.js';
import { useUi } from '../stores/ui-store.js';
import { FirmwareInput } from './FirmwareDrop.js';
import { watchableKeys } from './MergedLogsView.js';
import { ConfirmDialog } from './Modal.js';

export function FleetActions({ order }: { order: readonly BoardKey[] }) {
  const selected = useSelection((s) => s.selected);
  const selectAll = useSelection((s) => s.selectAll);
  const clear = useSelection((s) => s.clear);
  const showView = useUi((s) => s.showView);
  const picker = useRef<HTMLInputElement>(null);
  const [reboot, setReboot] = useState<ResetMode | null>(null);
  const [lastBulk, setLastBulk] = useState<BoardKey[]>([]);
  const actions = useFleet((s) => s.actions);
  const failures = lastBulk.flatMap((k) => (actions[k]?.error ? [`${splitBoardKey(k).prefix}: ${actions[k]!.error}`] : []));
  const busy = lastBulk.filter((k) => actions[k]?.busy).length;
  const n = selected.size;
  const watchLogs = () => {
    const boards = useFleet.getState().boards;
    useLogs.getState().setWatched(watchableKeys(selected, (k) => !!boards.get(k)?.online));
    showView('logs');
  };
  const targets = [...selected];
  return (
    <div className="toolbar" role="toolbar" aria-label="Actions on the selected boards" data-testid="fleet-actions">
      <button onClick={() => selectAll(order)} disabled={order.length === 0} data-testid="select-all" title="Ctrl+A in the list">
        Select all
      </button>
      <button onClick={clear} disabled={n === 0} data-testid="select-none">
        Clear selection
      </button>
      <span className="muted">|</span>
      <button onClick={() => picker.current?.click()} disabled={n === 0} data-testid="bulk-ota" title="Or drop a .bin file on the list">
        Update firmware…
      </button>
      <FirmwareInput ref={picker} testId="bulk-ota-input" onFile={(f) => void stageImage(f, targets)} />
      <button onClick={() => setReboot('normal')} disabled={n === 0} data-testid="bulk-reboot">
        Reboot
      </button>
      <button onClick={() => setReboot('safe')} disabled={n === 0} data-testid="bulk-reboot-safe">
        Reboot in safe mode
      </button>
      <button onClick={watchLogs} disabled={n === 0} data-testid="bulk-logs">
        Watch logs
      </button>
      {busy > 0 && <span className="muted">Rebooting {busy}…</span>}
      {failures.length > 0 && (
        <div className="note-error" role="alert" data-testid="bulk-errors">
          {failures.join('\n')}
          <button className="link" onClick={() => setLastBulk([])}>
            Dismiss
          </button>
        </div>
      )}
      {reboot && (
        <ConfirmDialog
          title={reboot === 'safe' ? 'Reboot in safe mode' : 'Reboot'}
          message={`Reboot ${n} board${n === 1 ? '' : 's'}${reboot === 'safe' ? ' into safe mode (apps do not start)' : ''}? They go offline for a few seconds.`}
          confirmLabel="Reboot"
          danger
          onCancel={() => setReboot(null)}
          onConfirm={() => {
            const mode = reboot;
            setReboot(null);
            setLastBulk(targets);
            void resetBoards(targets, mode);
          }}
        />
      )}
    </div>
  );
}
