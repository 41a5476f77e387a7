// Uploads and downloads of the board's files: each with a progress bar, bytes, rate and time left,
// and a Cancel button while it runs; finished ones with their outcome (the error where it happened).
import type { BoardKey } from '../lib/board-key.js';
import { formatBytes, formatDuration, formatEta, formatRate } from '../lib/format.js';
import { cancelTransfer } from '../services/transfers.js';
import { boardFiles, useFiles } from '../stores/files-store.js';
import type { Transfer } from '../stores/files-store.js';
import { ProgressBar } from './bits.js';

const PHASE_TEXT: Record<string, string> = {
  starting: 'Starting…',
  queued: 'Queued until wake',
  transferring: '',
  verifying: 'Verifying on the board…',
};

function Running({ boardKey, t }: { boardKey: BoardKey; t: Transfer }) {
  const sizeKnown = t.total > 0 || t.phase !== 'starting';
  return (
    <>
      <ProgressBar done={t.sent} total={t.total} state={sizeKnown ? 'running' : 'indeterminate'} label={`${t.kind} ${t.path}`} />
      <span className="muted" data-testid="transfer-bytes">
        {sizeKnown ? `${formatBytes(t.sent)} / ${formatBytes(t.total)}` : ''}
      </span>
      <span className="muted" data-testid="transfer-rate">
        {PHASE_TEXT[t.phase] || `${formatRate(t.rate)} · ${formatEta(t.eta)} left`}
      </span>
      <button className="danger" onClick={() => void cancelTransfer(boardKey, t.id)} disabled={t.cancelling} data-testid="transfer-cancel">
        {t.cancelling ? 'Cancelling…' : 'Cancel'}
      </button>
      {t.error && <span className="error">{t.error}</span>}
    </>
  );
}

function Finished({ t }: { t: Transfer }) {
  if (t.state === 'done') {
    return (
      <>
        <ProgressBar done={t.total} total={t.total} state="done" label={`${t.kind} ${t.path}`} />
        <span className="muted">{formatBytes(t.total)}</span>
        <span className="note-ok">done in {formatDuration(((t.ended ?? t.started) - t.started) / 1000)}</span>
      </>
    );
  }
  const note = t.state === 'cancelled' && t.kind === 'upload' ? "Cancelled: the board's file was not changed" : t.state === 'cancelled' ? 'Cancelled' : (t.error ?? 'Failed');
  return (
    <span className={t.state === 'cancelled' ? 'muted' : 'error'} role={t.state === 'failed' ? 'alert' : undefined} data-testid="transfer-error">
      {note}
    </span>
  );
}

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
        <div key={t.id} className="row" data-testid="transfer" data-state={t.state} data-phase={t.phase} data-path={t.path}>
          <span aria-label={t.kind}>{t.kind === 'upload' ? '↑' : '↓'}</span>
          <span className="mono grow">{t.path}</span>
          {t.state === 'running' ? <Running boardKey={boardKey} t={t} /> : <Finished t={t} />}
        </div>
      ))}
    </div>
  );
}
