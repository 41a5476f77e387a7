// One firmware update job: per board a progress bar with rate and ETA, cancel; once the image is
// in and the board reset, it follows the board back and offers confirm or roll back.
import { isSleeping } from '../../src-main/common/board-state.js';
import type { BoardKey } from '../lib/board-key.js';
import { splitBoardKey } from '../lib/board-key.js';
import { formatBytes, formatEta, formatRate } from '../lib/format.js';
import { resetBoard } from '../services/boards.js';
import { cancelJob, confirmImage, rollbackImage } from '../services/ota.js';
import { useFleet } from '../stores/fleet-store.js';
import { FINISHED_PHASES, jobFinished, useOta } from '../stores/ota-store.js';
import type { OtaJob } from '../stores/ota-store.js';
import { ErrorNote, ProgressBar } from './bits.js';

const PHASE_TEXT: Record<string, string> = {
  queued: 'Queued',
  checking: 'Checking',
  resuming: 'Resuming',
  sending: 'Sending',
  verifying: 'Verifying',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** A battery board that sleeps: its upload waits for (or resumes at) the next wake. */
function OtaPhaseText({ boardKey, phase }: { boardKey: BoardKey; phase: string }) {
  const sleeps = useFleet((s) => {
    const b = s.boards.get(boardKey);
    return !!b && isSleeping(b.state);
  });
  const waiting = sleeps && (phase === 'queued' || phase === 'resuming');
  return <span data-testid="ota-phase">{waiting ? (phase === 'queued' ? 'Queued until wake' : 'Resuming at the next wake') : (PHASE_TEXT[phase] ?? phase)}</span>;
}

function AfterUpload({ job, boardKey }: { job: OtaJob; boardKey: BoardKey }) {
  const board = useFleet((s) => s.boards.get(boardKey));
  const verify = useOta((s) => s.verify[boardKey]);
  const action = useFleet((s) => s.actions[boardKey]);
  if (!board) return <span className="muted">Board not visible</span>;
  if (!job.reset) {
    return (
      <span className="row">
        <span className="muted">Reboot to run it</span>
        <button onClick={() => void resetBoard(boardKey, 'normal')} disabled={!!action?.busy || !board.online} data-testid="ota-reboot">
          Reboot
        </button>
      </span>
    );
  }
  if (verify?.done === 'rolled back') return <span data-testid="ota-verify-state">Rolled back{board.online ? ` to ${board.fw}` : '…'}</span>;
  if (!board.online) return <span className="muted" data-testid="ota-verify-state">Resetting, waiting for the board…</span>;
  if (board.fw !== job.image.version) return <span className="error" data-testid="ota-verify-state">Came back on {board.fw || 'an unknown version'}, not {job.image.version}</span>;
  if (!board.pendingVerify)
    return (
      <span className="note-ok" data-testid="ota-verify-state">
        Running {board.fw}, confirmed
      </span>
    );
  return (
    <span className="row">
      <span data-testid="ota-verify-state">Running {board.fw}, pending verification</span>
      <button className="primary" onClick={() => void confirmImage(boardKey)} disabled={!!verify?.busy} data-testid="ota-confirm">
        {verify?.busy === 'confirm' ? 'Confirming…' : 'Confirm'}
      </button>
      <button className="danger" onClick={() => void rollbackImage(boardKey)} disabled={!!verify?.busy} data-testid="ota-rollback">
        {verify?.busy === 'rollback' ? 'Rolling back…' : 'Roll back'}
      </button>
      {verify?.error && <span className="error">{verify.error}</span>}
    </span>
  );
}

export function OtaJobCard({ jobId, only }: { jobId: string; only?: BoardKey }) {
  const job = useOta((s) => s.jobs[jobId]);
  const dismiss = useOta((s) => s.dismissJob);
  if (!job) return null;
  const finished = jobFinished(job);
  const targets = only ? job.targets.filter((k) => k === only) : job.targets;
  return (
    <div className="card" data-testid="ota-job" data-job-id={jobId}>
      <div className="row">
        <strong className="grow">
          {job.image.project} {job.image.version} → {job.targets.length} board{job.targets.length === 1 ? '' : 's'}
        </strong>
        <span className="muted">{formatBytes(job.image.size)}</span>
        {!finished && (
          <button className="danger" onClick={() => void cancelJob(jobId)} disabled={job.cancelling} data-testid="ota-cancel">
            {job.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        {finished && (
          <button onClick={() => dismiss(jobId)} data-testid="ota-dismiss">
            Dismiss
          </button>
        )}
      </div>
      <ErrorNote>{job.cancelError}</ErrorNote>
      {targets.map((k) => {
        const p = job.progress[k];
        const phase = p?.phase ?? 'queued';
        const state = phase === 'done' ? 'done' : phase === 'failed' || phase === 'cancelled' ? 'failed' : 'running';
        return (
          <div key={k} className="ota-target" data-testid="ota-target" data-prefix={splitBoardKey(k).prefix} data-phase={phase}>
            <span className="mono">{splitBoardKey(k).prefix}</span>
            <OtaPhaseText boardKey={k} phase={phase} />
            <ProgressBar done={p?.sent ?? 0} total={p?.total ?? job.image.size} state={state} label={`Upload to ${splitBoardKey(k).prefix}`} />
            <span className="muted">{p && !FINISHED_PHASES.has(phase) ? formatRate(p.rate) : ''}</span>
            <span className="muted" title="Time left">
              {p && !FINISHED_PHASES.has(phase) ? formatEta(p.eta) : ''}
            </span>
            <span>{phase === 'done' ? <AfterUpload job={job} boardKey={k} /> : p?.error ? <span className="error">{p.error}</span> : null}</span>
          </div>
        );
      })}
    </div>
  );
}
