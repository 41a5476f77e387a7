// Firmware updates: stage a dropped image (ota.inspect tells what it is or why it is unusable),
// start the upload to the targets, follow progress, cancel, then confirm or roll back once the
// board came back on the new image.
import type { EventOf } from '../../src-main/common/contract.js';
import { boardKey, splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { useOta } from '../stores/ota-store.js';
import { errorText, request } from './api.js';
import { fileRefOf } from './local-files.js';

/** Stages a local image for the given boards and asks main what is in it. */
export async function stageImage(file: File, targets: readonly BoardKey[]): Promise<void> {
  const st = useOta.getState();
  st.stage({ ref: { kind: 'bytes', name: file.name || 'firmware.bin', data: new Uint8Array() }, name: file.name, targets: [...targets], inspecting: true, reset: true, starting: false });
  try {
    const ref = await fileRefOf(file);
    if (useOta.getState().staged?.name !== file.name) return;
    useOta.getState().patchStaged({ ref });
    const info = await request('ota.inspect', { image: ref });
    useOta.getState().patchStaged({ inspecting: false, info });
  } catch (e) {
    useOta.getState().patchStaged({ inspecting: false, error: errorText(e) });
  }
}

export const unstage = (): void => useOta.getState().stage(null);
export const setStagedReset = (reset: boolean): void => useOta.getState().patchStaged({ reset });

/** Starts the staged update; returns the job id, or undefined (the error is on the staged image). */
export async function startStaged(): Promise<string | undefined> {
  const staged = useOta.getState().staged;
  if (!staged?.info || staged.info.error || staged.starting) return undefined;
  useOta.getState().patchStaged({ starting: true, startError: undefined });
  try {
    const targets = staged.targets.map((k) => splitBoardKey(k));
    const { jobId } = await request('ota.start', { image: staged.ref, targets, reset: staged.reset });
    useOta.getState().addJob({ jobId, image: staged.info, reset: staged.reset, targets: staged.targets, progress: {}, started: Date.now(), cancelling: false });
    useOta.getState().stage(null);
    return jobId;
  } catch (e) {
    useOta.getState().patchStaged({ starting: false, startError: errorText(e) });
    return undefined;
  }
}

export function onOtaProgress(ev: EventOf<'ota.progress'>): void {
  const job = useOta.getState().jobs[ev.jobId];
  if (!job) return;
  // Events carry the prefix only: the job knows on which broker each target is.
  const key = job.targets.find((k) => splitBoardKey(k).prefix === ev.prefix) ?? boardKey('?', ev.prefix);
  const { jobId: _j, prefix: _p, ...p } = ev;
  useOta.getState().setProgress(ev.jobId, key, p);
}

export async function cancelJob(jobId: string): Promise<void> {
  useOta.getState().patchJob(jobId, { cancelling: true, cancelError: undefined });
  try {
    await request('ota.cancel', { jobId });
  } catch (e) {
    useOta.getState().patchJob(jobId, { cancelling: false, cancelError: errorText(e) });
  }
}

async function verifyStep(key: BoardKey, step: 'confirm' | 'rollback'): Promise<void> {
  const { profileId, prefix } = splitBoardKey(key);
  useOta.getState().setVerify(key, { busy: step });
  try {
    await request(step === 'confirm' ? 'ota.confirm' : 'ota.rollback', { profileId, prefix });
    useOta.getState().setVerify(key, { done: step === 'confirm' ? 'confirmed' : 'rolled back' });
  } catch (e) {
    useOta.getState().setVerify(key, { error: `${step === 'confirm' ? 'Confirm' : 'Roll back'} failed: ${errorText(e)}` });
  }
}

export const confirmImage = (key: BoardKey) => verifyStep(key, 'confirm');
export const rollbackImage = (key: BoardKey) => verifyStep(key, 'rollback');
