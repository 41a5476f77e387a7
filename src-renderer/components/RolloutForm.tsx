// Starts a staged rollout (docs/rollouts.md): the image (picked or dropped) or an app's folder
// with its sync spec, the boards by prefix patterns and tags, the waves, the failure threshold and
// the health gate, with the CLI's defaults.
import { useRef } from 'react';
import { formatBytes } from '../lib/format.js';
import { pickRolloutFolder, pickRolloutImage, startRollout } from '../services/rollouts.js';
import { useRollouts } from '../stores/rollouts-store.js';
import type { RolloutDraft } from '../stores/rollouts-store.js';
import { ErrorNote } from './bits.js';
import { FirmwareDropzone } from './FirmwareDrop.js';

type TextField = Exclude<keyof RolloutDraft, 'what' | 'image' | 'fileSet' | 'starting' | 'error'>;

function Field({ field, label, hint, width = 8 }: { field: TextField; label: string; hint: string; width?: number }) {
  const value = useRollouts((s) => s.draft[field]);
  const patch = useRollouts((s) => s.patchDraft);
  return (
    <label className="row" title={hint}>
      <span className="muted">{label}</span>
      <input value={value} size={width} onChange={(e) => patch({ [field]: e.target.value })} data-testid={`rollout-${field}`} />
    </label>
  );
}

/** An app's folder: the browser reads every file under it (webkitdirectory), the service keeps the app's. */
function FileSetPicker() {
  const set = useRollouts((s) => s.draft.fileSet);
  const patch = useRollouts((s) => s.patchDraft);
  const input = useRef<HTMLInputElement>(null);
  // Not in React's typings; Chromium (and so Electron) has it.
  const folderPicker = { webkitdirectory: '' } as object;
  return (
    <div className="dropzone" data-testid="rollout-folder">
      <input ref={input} type="file" multiple hidden {...folderPicker} data-testid="rollout-folder-input"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = '';
          if (files.length) void pickRolloutFolder(files);
        }} />
      {set ? (
        <span data-testid="rollout-folder-summary">
          <span className="mono">{set.folder}</span>: {set.files.length} file{set.files.length === 1 ? '' : 's'}, {formatBytes(set.bytes)}
        </span>
      ) : "An app's folder with its sync spec (*.spec): "}
      <button className="link" onClick={() => input.current?.click()} data-testid="rollout-pick-folder">
        {set ? ' (choose another)' : 'choose the folder'}
      </button>
      {set && (
        <label className="row" title="The sync spec that says which files go where on the board (docs/transfers.md, *sync*)">
          <span className="muted">Sync spec</span>
          <select value={set.spec} onChange={(e) => patch({ fileSet: { ...set, spec: e.target.value } })} data-testid="rollout-spec">
            {set.specs.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
      )}
    </div>
  );
}

export function RolloutForm() {
  const draft = useRollouts((s) => s.draft);
  const patch = useRollouts((s) => s.patchDraft);
  const ready = draft.what === 'firmware' ? !!draft.image : !!draft.fileSet;
  return (
    <div className="card" data-testid="rollout-form">
      <strong>New rollout</strong>
      <div className="row" role="radiogroup" aria-label="What the rollout sends">
        {(['firmware', 'files'] as const).map((w) => (
          <button key={w} className="chip" role="radio" aria-checked={draft.what === w} aria-pressed={draft.what === w} onClick={() => patch({ what: w, error: undefined })} data-testid={`rollout-what-${w}`}>
            {w === 'firmware' ? 'Firmware image' : 'App files (sync spec)'}
          </button>
        ))}
      </div>
      {draft.what === 'files' ? <FileSetPicker /> : <FirmwareDropzone testId="rollout-dropzone" inputTestId="rollout-image-input" onFile={(f) => void pickRolloutImage(f)}>
        {(pick) => (
          <>
            {draft.image ? <span className="mono" data-testid="rollout-image-name">{draft.image.name}</span> : 'Drop a firmware image (.bin) here, or '}
            <button className="link" onClick={pick} data-testid="rollout-pick">
              {draft.image ? ' (choose another)' : 'choose one'}
            </button>
          </>
        )}
      </FirmwareDropzone>}
      <div className="row" style={{ flexWrap: 'wrap' }}>
        <Field field="patterns" label="Boards" hint="Prefixes or patterns, separated by spaces: * and ? match within one topic level (sim/*)" width={24} />
        <Field field="tags" label="Tags" hint="Only boards with all these tags (separated by spaces); with no boards given: any board with them" width={14} />
        <Field field="waves" label="Waves" hint="Wave sizes: boards or % of all; the last wave takes the rest (1,10%,100%)" />
        <Field field="threshold" label="Pause when more than" hint="k boards or p % of a wave fail (0: at the first failure; 2,10%: whichever first)" width={5} />
        <Field field="concurrency" label="At once" hint="Boards of a wave updated at the same time" width={3} />
      </div>
      <div className="row" style={{ flexWrap: 'wrap' }}>
        <span className="muted">Health gate (s):</span>
        <Field field="onlineWithinS" label="online within" hint="Back online after its reset within" width={4} />
        <Field field="confirmWithinS" label="confirmed within" hint="The new image confirmed (the board's all-OK) within" width={4} />
        <Field field="stableS" label="then stable for" hint="Then up without a crash or a reset for" width={4} />
        <Field field="wakeWaitS" label="wait for sleeping boards up to" hint="Battery boards found asleep are updated at their next wake, each wait at most this long (as --wait-wake); empty: they are skipped" width={4} />
      </div>
      <ErrorNote testId="rollout-form-error">{draft.error}</ErrorNote>
      <div className="actions">
        <button className="primary" onClick={() => void startRollout()} disabled={draft.starting || !ready} data-testid="rollout-start">
          {draft.starting ? 'Starting…' : 'Start rollout'}
        </button>
      </div>
    </div>
  );
}
