// Firmware of one board: drop (or pick) an image to update it, follow its jobs.
import type { BoardKey } from '../lib/board-key.js';
import { stageImage } from '../services/ota.js';
import { useFleet } from '../stores/fleet-store.js';
import { useOta } from '../stores/ota-store.js';
import { FirmwareDropzone } from './FirmwareDrop.js';
import { OtaJobCard } from './OtaJobCard.js';

export function OtaTab({ boardKey }: { boardKey: BoardKey }) {
  const board = useFleet((s) => s.boards.get(boardKey));
  const jobOrder = useOta((s) => s.jobOrder);
  const allJobs = useOta((s) => s.jobs);
  const jobs = jobOrder.filter((id) => allJobs[id]?.targets.includes(boardKey));
  return (
    <div className="cards">
      <div className="card">
        <dl className="facts">
          <dt>Running</dt>
          <dd>
            {board?.project} {board?.fw} on {board?.partition}
            {board?.pendingVerify ? ' (pending verification)' : ''}
          </dd>
        </dl>
        <FirmwareDropzone testId="ota-dropzone" inputTestId="ota-input" onFile={(f) => void stageImage(f, [boardKey])}>
          {(pick) => (
            <>
              Drop a firmware image (.bin) here, or{' '}
              <button className="link" onClick={pick} data-testid="ota-pick">
                choose one
              </button>
            </>
          )}
        </FirmwareDropzone>
      </div>
      {jobs.map((id) => (
        <OtaJobCard key={id} jobId={id} only={boardKey} />
      ))}
    </div>
  );
}
