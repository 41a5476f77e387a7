// The rollout service against a recording stub of the API: what reaches main from the form and
// the buttons, and where each answer or error lands in the store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleError } from '../../src-main/common/contract.js';
import type { ConsoleApi } from '../../src-main/common/contract.js';
import { useProfiles } from '../stores/profiles-store.js';
import { EMPTY_DRAFT, useRollouts } from '../stores/rollouts-store.js';
import { rolloutView } from '../testing/fake-rollouts.js';
import { setApi } from './api.js';
import { followOtherRunner, onRolloutsChanged, onRolloutUpload, pickRolloutFolder, rolloutAction, startRollout } from './rollouts.js';

let calls: [string, unknown][];
let answer: (op: string, params: unknown) => unknown;

beforeEach(() => {
  calls = [];
  answer = (op) => (op === 'rollouts.start' ? { id: 'r1' } : op === 'rollouts.get' ? rolloutView('r1') : {});
  const stub = {
    mode: 'web',
    connection: 'open',
    request: async (op: string, params: unknown) => {
      calls.push([op, params]);
      return answer(op, params);
    },
  } as unknown as ConsoleApi;
  setApi(stub);
  useProfiles.setState({ profiles: [{ id: 'demo', name: 'Demo', url: 'mqtt://x', hasPassword: false, insecure: false, discovery: [], builtin: true, state: 'online' }] });
  useRollouts.setState({ draft: EMPTY_DRAFT, summaries: {}, order: [], selected: null, views: {}, busy: {}, actionError: {}, uploads: {} });
});
afterEach(() => setApi(null));

const image = { ref: { kind: 'bytes' as const, name: 'fw.bin', data: new Uint8Array([0xe9]) }, name: 'fw.bin' };

describe('starting a rollout from the form', () => {
  it('sends the image, the patterns and the settings, then shows the new rollout', async () => {
    useRollouts.getState().patchDraft({ image, patterns: 'sim/* lab/b1', waves: '1,50%,100%', stableS: '1' });
    expect(await startRollout()).toBe('r1');
    expect(calls[0]).toEqual(['rollouts.start', { profileId: 'demo', image: image.ref, patterns: ['sim/*', 'lab/b1'], waves: '1,50%,100%', threshold: '0', concurrency: 4, onlineWithinS: 120, confirmWithinS: 600, stableS: 1 }]);
    expect(calls[1]).toEqual(['rollouts.get', { id: 'r1' }]);
    expect(useRollouts.getState()).toMatchObject({ selected: 'r1', order: ['r1'], draft: { starting: false, image: undefined, patterns: 'sim/* lab/b1' } });
  });

  it('sends the wait for sleeping boards when given; an empty field skips them, a bad one is refused', async () => {
    useRollouts.getState().patchDraft({ image, patterns: 'sim/*', wakeWaitS: ' 900 ' });
    await startRollout();
    expect(calls[0]).toMatchObject(['rollouts.start', { wakeWaitS: 900 }]);
    calls = [];
    useRollouts.getState().patchDraft({ image, wakeWaitS: '0' });
    expect(await startRollout()).toBeUndefined();
    expect(useRollouts.getState().draft.error).toBe('wait for sleeping boards: at least 1 s (or empty: skip them)');
    expect(calls).toEqual([]);
    useRollouts.getState().patchDraft({ wakeWaitS: '' });
    await startRollout();
    expect((calls[0]![1] as object)).not.toHaveProperty('wakeWaitS');
  });

  it('sends tags alone (any prefix) or with patterns', async () => {
    useRollouts.getState().patchDraft({ image, patterns: '', tags: 'kitchen, battery' });
    await startRollout();
    expect(calls[0]).toMatchObject(['rollouts.start', { patterns: [], tags: ['kitchen', 'battery'] }]);
  });

  it('sends a file set (the folder picked, its chosen spec) instead of an image', async () => {
    const file = (path: string, text: string) => Object.assign(new File([text], path.split('/').at(-1)!), { webkitRelativePath: path });
    await pickRolloutFolder([file('app/app.spec', '/src:\n    *.py\n'), file('app/.git/HEAD', 'ref'), file('app/main.py', 'print(1)\n')]);
    expect(useRollouts.getState().draft.fileSet).toMatchObject({ folder: 'app', spec: 'app/app.spec', specs: ['app/app.spec'], bytes: 24 });
    useRollouts.getState().patchDraft({ what: 'files', image, patterns: 'sim/*' });
    expect(await startRollout()).toBe('r1');
    const sent = calls[0]![1] as { image?: unknown; fileSet: { spec: string; files: { path: string; data: Uint8Array }[] } };
    expect(sent.image).toBeUndefined();
    expect(sent.fileSet.spec).toBe('app/app.spec');
    expect(sent.fileSet.files.map((x) => [x.path, new TextDecoder().decode(x.data)])).toEqual([['app/app.spec', '/src:\n    *.py\n'], ['app/main.py', 'print(1)\n']]);
    expect(useRollouts.getState().draft).toMatchObject({ fileSet: undefined, what: 'files' });
    // No folder yet, or one without a spec: the form says so, nothing is sent.
    calls = [];
    expect(await startRollout()).toBeUndefined();
    expect(useRollouts.getState().draft.error).toBe("choose the app's folder (with its sync spec) first");
    await pickRolloutFolder([file('app/main.py', '')]);
    expect(useRollouts.getState().draft.error).toMatch(/^app has no sync spec/);
    expect(calls).toEqual([]);
  });

  it('says what is wrong with the form and sends nothing', async () => {
    useRollouts.getState().patchDraft({ image, patterns: 'sim/*', stableS: 'soon' });
    expect(await startRollout()).toBeUndefined();
    expect(useRollouts.getState().draft.error).toBe('stable for: give a number of seconds (got "soon")');
    useRollouts.getState().patchDraft({ stableS: '1', patterns: ' ' });
    await startRollout();
    expect(useRollouts.getState().draft.error).toMatch(/^which boards\?/);
    useRollouts.getState().patchDraft({ tags: 'kitchen wine/cellar' });
    await startRollout();
    expect(useRollouts.getState().draft.error).toBe('tag "wine/cellar": 1-24 characters of A-Z a-z 0-9 - _ .');
    useRollouts.getState().patchDraft({ tags: '' });
    useProfiles.setState({ profiles: [] });
    useRollouts.getState().patchDraft({ patterns: 'sim/*' });
    await startRollout();
    expect(useRollouts.getState().draft.error).toBe('connect to a broker first');
    expect(calls).toEqual([]);
  });

  it('puts main\'s refusal on the form and keeps the image and what was typed', async () => {
    answer = () => {
      throw new ConsoleError('USAGE', 'waves: "x" is neither a whole number of boards nor a percentage up to 100%');
    };
    useRollouts.getState().patchDraft({ image, patterns: 'sim/*', waves: '1,x' });
    await startRollout();
    expect(useRollouts.getState().draft).toMatchObject({ starting: false, image, waves: '1,x', error: 'waves: "x" is neither a whole number of boards nor a percentage up to 100%' });
  });
});

describe('the rollout buttons', () => {
  it('resumes on the rollout\'s broker and shows the new state; a refusal stays on the rollout', async () => {
    onRolloutsChanged({ rollout: rolloutView('r1', { status: 'paused', runner: 'none', profileId: 'lab' }) });
    expect(useRollouts.getState().views.r1?.status).toBe('paused');
    await rolloutAction('r1', 'resume');
    expect(calls[0]).toEqual(['rollouts.resume', { id: 'r1', profileId: 'lab' }]);
    await rolloutAction('r1', 'retry');
    expect(calls.map(([op]) => op)).toContain('rollouts.retryFailed');
    answer = () => {
      throw new ConsoleError('USAGE', 'rollout r1 is running in process 42');
    };
    await rolloutAction('r1', 'abort');
    expect(useRollouts.getState()).toMatchObject({ busy: { r1: undefined }, actionError: { r1: 'rollout r1 is running in process 42' } });
  });
});

describe('a rollout another process runs', () => {
  it('is read again while shown, until this console runs it', async () => {
    onRolloutsChanged({ rollout: rolloutView('r1', { runner: 'other', updatedAt: 1 }) });
    let n = 1;
    answer = () => {
      const k = ++n;
      return rolloutView('r1', { runner: k < 3 ? 'other' : 'here', updatedAt: k, status: k < 3 ? 'running' : 'paused' });
    };
    const stop = followOtherRunner('r1', 5);
    await new Promise((r) => setTimeout(r, 100));
    stop();
    expect(useRollouts.getState().views.r1).toMatchObject({ runner: 'here', status: 'paused' });
    expect(calls.filter(([op]) => op === 'rollouts.get')).toHaveLength(2); // not once it is no longer "other"
  });
});

describe('a board\'s upload in a rollout', () => {
  it('is kept per rollout and board, the latest bytes winning', () => {
    onRolloutUpload({ id: 'r1', prefix: 'sim/a', phase: 'sending', sent: 10_000, total: 100_000, rate: 5_000 });
    onRolloutUpload({ id: 'r1', prefix: 'sim/a', phase: 'sending', sent: 60_000, total: 100_000, rate: 6_000 });
    onRolloutUpload({ id: 'r2', prefix: 'sim/a', phase: 'queued', sent: 0, total: 100_000, rate: 0 });
    expect(useRollouts.getState().uploads).toEqual({
      'r1\nsim/a': { phase: 'sending', sent: 60_000, total: 100_000, rate: 6_000 },
      'r2\nsim/a': { phase: 'queued', sent: 0, total: 100_000, rate: 0 },
    });
  });
});
