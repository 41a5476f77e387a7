// Rollouts from the "Firmware updates" view: list what the data dir holds (the CLI's rollouts
// too), show one with its waves, start one from the form, and the operator's buttons. Each
// outcome lands in the rollouts store; `rollouts.changed` keeps the shown state current.
import { TAG, TAG_RULE } from '../../src-main/common/board-tags.js';
import type { EventOf, ParamsOf } from '../../src-main/common/contract.js';
import { chooseFileSet } from '../lib/file-set.js';
import { parsePatterns } from '../lib/rollout-figures.js';
import { useProfiles } from '../stores/profiles-store.js';
import { useRollouts } from '../stores/rollouts-store.js';
import type { RolloutAction, RolloutDraft } from '../stores/rollouts-store.js';
import { errorText, request } from './api.js';
import { fileRefOf } from './local-files.js';

const st = () => useRollouts.getState();

export async function loadRollouts(): Promise<void> {
  st().setListState(true);
  try {
    st().setList(await request('rollouts.list', {}));
  } catch (e) {
    st().setListState(false, errorText(e));
  }
}

export async function showRollout(id: string): Promise<void> {
  st().select(id);
  try {
    st().putView(await request('rollouts.get', { id }));
  } catch (e) {
    st().setBusy(id, undefined, errorText(e));
  }
}

/**
 * A rollout another process runs (`mqboard rollout start` in a terminal) sends no events here:
 * while it is shown, its state file is read again every `everyMs`. Returns the stop function.
 */
export function followOtherRunner(id: string, everyMs = 2_000): () => void {
  const timer = setInterval(() => {
    if (st().views[id]?.runner !== 'other') return;
    request('rollouts.get', { id }).then((v) => st().putView(v), () => undefined);
  }, everyMs);
  return () => clearInterval(timer);
}

export function onRolloutsChanged(ev: EventOf<'rollouts.changed'>): void {
  st().putView(ev.rollout);
}

export function onRolloutUpload(ev: EventOf<'rollouts.upload'>): void {
  const { id, prefix, ...p } = ev;
  st().setUpload(id, prefix, p);
}

export async function pickRolloutImage(file: File): Promise<void> {
  try {
    st().patchDraft({ image: { ref: await fileRefOf(file), name: file.name || 'firmware.bin' }, error: undefined });
  } catch (e) {
    st().patchDraft({ error: errorText(e) });
  }
}

/** The folder of an app (an <input webkitdirectory> pick): its files, read, and its sync spec. */
export async function pickRolloutFolder(picked: readonly File[]): Promise<void> {
  try {
    const choice = chooseFileSet(picked.map((file) => ({ file, path: file.webkitRelativePath || file.name, size: file.size })));
    const files = await Promise.all(choice.files.map(async (f) => ({ path: f.path, data: new Uint8Array(await f.file.arrayBuffer()) })));
    st().patchDraft({ fileSet: { folder: choice.folder, files, bytes: choice.bytes, specs: choice.specs, spec: choice.specs[0]! }, error: undefined });
  } catch (e) {
    st().patchDraft({ fileSet: undefined, error: errorText(e) });
  }
}

/** The first connected broker: rollouts run on one broker's boards. */
export function rolloutProfile(): string | undefined {
  return useProfiles.getState().profiles.find((p) => p.state === 'online')?.id;
}

function seconds(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${what}: give a number of seconds (got "${text}")`);
  return n;
}

/** The form as request params; throws with a message for the form when a field is not a number. */
export function paramsOf(d: RolloutDraft, profileId: string): ParamsOf<'rollouts.start'> {
  if (d.what === 'firmware' && !d.image) throw new Error('choose the firmware image (.bin) first');
  if (d.what === 'files' && !d.fileSet) throw new Error("choose the app's folder (with its sync spec) first");
  const patterns = parsePatterns(d.patterns);
  const tags = parsePatterns(d.tags);
  if (patterns.length === 0 && tags.length === 0) throw new Error('which boards? give a prefix or a pattern such as sim/*, tags, or both');
  const badTag = tags.find((t) => !TAG.test(t));
  if (badTag) throw new Error(`tag "${badTag}": ${TAG_RULE}`);
  const wakeWait = d.wakeWaitS.trim() === '' ? undefined : seconds(d.wakeWaitS, 'wait for sleeping boards');
  if (wakeWait !== undefined && wakeWait < 1) throw new Error('wait for sleeping boards: at least 1 s (or empty: skip them)');
  const concurrency = Number(d.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`boards at once: a whole number >= 1 (got "${d.concurrency}")`);
  return {
    profileId, ...(d.what === 'firmware' ? { image: d.image!.ref } : { fileSet: { spec: d.fileSet!.spec, files: d.fileSet!.files } }), patterns, ...(tags.length && { tags }), waves: d.waves.trim(), threshold: d.threshold.trim(), concurrency,
    onlineWithinS: seconds(d.onlineWithinS, 'back online within'), confirmWithinS: seconds(d.confirmWithinS, 'confirmed within'), stableS: seconds(d.stableS, 'stable for'),
    ...(wakeWait !== undefined && { wakeWaitS: wakeWait }),
  };
}

/** Starts the rollout of the form; returns its id, or undefined (the error is on the form, which keeps what was typed). */
export async function startRollout(): Promise<string | undefined> {
  const d = st().draft;
  if (d.starting) return undefined;
  const profileId = rolloutProfile();
  let params: ParamsOf<'rollouts.start'>;
  try {
    if (!profileId) throw new Error('connect to a broker first');
    params = paramsOf(d, profileId);
  } catch (e) {
    st().patchDraft({ error: (e as Error).message });
    return undefined;
  }
  st().patchDraft({ starting: true, error: undefined });
  try {
    const { id } = await request('rollouts.start', params);
    st().patchDraft({ starting: false, image: undefined, fileSet: undefined });
    await showRollout(id);
    return id;
  } catch (e) {
    st().patchDraft({ starting: false, error: errorText(e) });
    return undefined;
  }
}

export async function rolloutAction(id: string, action: RolloutAction): Promise<void> {
  st().setBusy(id, action);
  try {
    if (action === 'pause') await request('rollouts.pause', { id });
    else if (action === 'abort') await request('rollouts.abort', { id });
    else {
      const profileId = st().views[id]?.profileId ?? rolloutProfile();
      if (!profileId) throw new Error('connect to a broker first');
      await request(action === 'resume' ? 'rollouts.resume' : 'rollouts.retryFailed', { id, profileId });
    }
    st().setBusy(id, undefined);
    await showRollout(id);
  } catch (e) {
    st().setBusy(id, undefined, errorText(e));
  }
}
