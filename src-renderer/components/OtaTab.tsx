// Firmware of one board: drop (or pick) an image to update it, follow its jobs.
import { useRef, useState } from 'react';
import type { DragEvent } from 'react';
import type { BoardKey } from '../lib/board-key.js';
import { droppedFiles, isFileDrag } from '../services/local-files.js';
import { stageImage } from '../services/ota.js';
import { useFleet } from '../stores/fleet-store.js';
import { useOta } from '../stores/ota-store.js';
import { OtaJobCard } from './OtaJobCard.js';

export function OtaTab({ boardKey }: { boardKey: BoardKey }) {
  const board = useFleet((s) => s.boards.get(boardKey));
  const jobOrder = useOta((s) => s.jobOrder);
  const allJobs = useOta((s) => s.jobs);
  const jobs = jobOrder.filter((id) => allJobs[id]?.targets.includes(boardKey));
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const onDrop = (e: DragEvent) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    setOver(false);
    const f = droppedFiles(e.dataTransfer).files[0];
    if (f) void stageImage(f, [boardKey]);
  };
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
        <div
          className={`dropzone${over ? ' over' : ''}`}
          data-testid="ota-dropzone"
          onDragOver={(e) => {
            if (!isFileDrag(e)) return;
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          Drop a firmware image (.bin) here, or{' '}
          <button className="link" onClick={() => picker.current?.click()} data-testid="ota-pick">
            choose one
          </button>
          <input
            ref={picker}
            type="file"
            accept=".bin,application/octet-stream"
            hidden
            data-testid="ota-input"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) void stageImage(f, [boardKey]);
            }}
          />
        </div>
      </div>
      {jobs.map((id) => (
        <OtaJobCard key={id} jobId={id} only={boardKey} />
      ))}
    </div>
  );
}
