// The image about to be sent: what ota.inspect found in it (or why it cannot be used), the target
// boards, reset after upload, start.
import { splitBoardKey } from '../lib/board-key.js';
import { formatBytes } from '../lib/format.js';
import { setStagedReset, startStaged, unstage } from '../services/ota.js';
import { useOta } from '../stores/ota-store.js';
import { ErrorNote } from './bits.js';
import { Modal } from './Modal.js';

export function OtaStageDialog() {
  const staged = useOta((s) => s.staged);
  if (!staged) return null;
  const info = staged.info;
  const n = staged.targets.length;
  const names = staged.targets.map((k) => splitBoardKey(k).prefix);
  return (
    <Modal title="Update firmware" onClose={unstage} testId="ota-stage">
      <div className="muted">{staged.name}</div>
      {staged.inspecting && <div data-testid="ota-inspecting">Checking the image…</div>}
      <ErrorNote testId="ota-stage-error">{staged.error}</ErrorNote>
      {info && (
        <dl className="facts" data-testid="ota-image-info">
          <dt>Project</dt>
          <dd data-testid="ota-image-project">{info.project || '—'}</dd>
          <dt>Version</dt>
          <dd data-testid="ota-image-version">{info.version || '—'}</dd>
          <dt>Size</dt>
          <dd>{formatBytes(info.size)}</dd>
          <dt>SHA-256</dt>
          <dd className="mono" style={{ overflowWrap: 'anywhere' }}>
            {info.sha256}
          </dd>
        </dl>
      )}
      {info?.error && <ErrorNote testId="ota-image-error">{`This is not a usable firmware image: ${info.error}`}</ErrorNote>}
      <div>
        To {n} board{n === 1 ? '' : 's'}: <span className="mono">{names.slice(0, 8).join(', ')}</span>
        {n > 8 ? ` and ${n - 8} more` : ''}
      </div>
      <label className="row">
        <input type="checkbox" checked={staged.reset} onChange={(e) => setStagedReset(e.target.checked)} data-testid="ota-reset" />
        Reset into the new image when it is in (it then waits for you to confirm it)
      </label>
      <ErrorNote testId="ota-start-error">{staged.startError}</ErrorNote>
      <div className="actions">
        <button onClick={unstage}>Cancel</button>
        <button className="primary" onClick={() => void startStaged()} disabled={!info || !!info.error || staged.inspecting || staged.starting} data-testid="ota-start">
          {staged.starting ? 'Starting…' : `Update ${n} board${n === 1 ? '' : 's'}`}
        </button>
      </div>
    </Modal>
  );
}
