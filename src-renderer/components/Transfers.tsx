// Uploads and downloads of the board's files: running ones with a progress bar, finished ones
// with their outcome.
import type { BoardKey } from '../lib/board-key.js';
import { formatBytes, formatDuration } from '../lib/format.js';
import { boardFiles, useFiles } from '../stores/files-store.js';
import { ProgressBar } from './bits.js';

export function Transfers({ boardKey }: { boardKey: BoardKey }) {
  const transfers = useFiles((s) => boardFiles(s, boardKey).transfers);
  const clear = useFiles((s) => s.clearFinishedTransfers);
  if (transfers.length === 0) return null;
  return (
    <div className="transfers" aria-label="Transfers" data-testid="transfers">
      <div className="row">
        <strong className="grow">Transfers</strong>
        <button className="link" onClick={() => clear(boardKey)}>
          Clear finished
        </button>
      </div>
      {transfers.map((t) => (
        <div key={t.id} className="row" data-testid="transfer" data-state={t.state} data-path={t.path}>
          <span>{t.kind === 'upload' ? '↑' : '↓'}</span>
          <span className="mono grow">{t.path}</span>
          <span className="muted">{t.size !== undefined ? formatBytes(t.size) : ''}</span>
          {t.state === 'running' ? (
            <ProgressBar done={0} total={0} state="indeterminate" label={`${t.kind} ${t.path}`} />
          ) : t.state === 'done' ? (
            <span className="note-ok">done in {formatDuration(((t.ended ?? t.started) - t.started) / 1000)}</span>
          ) : (
            <span className="error">{t.error ?? t.state}</span>
          )}
        </div>
      ))}
    </div>
  );
}
