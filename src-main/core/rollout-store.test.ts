import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE, DEFAULT_THRESHOLD, DEFAULT_WAVES } from '../common/rollout-plan.js';
import { createRollout, reduce } from '../common/rollout-state.js';
import { makeTempDir } from '../sim/test-boards.js';
import { defaultDataDir } from './data-dir.js';
import { RolloutStore } from './rollout-store.js';

const rolloutNamed = (id: string, createdAt = 0) => createRollout({
  id, createdAt, patterns: ['sim/*'], waves: DEFAULT_WAVES, gate: DEFAULT_GATE, threshold: DEFAULT_THRESHOLD, concurrency: 4,
  what: { kind: 'firmware', file: 'fw.bin', sha256: 'ab', size: 100, version: 'v2', project: 'mp' },
}, ['sim/a', 'sim/b', 'sim/c'], createdAt);

describe('RolloutStore', () => {
  it('keeps each rollout in its own owner-only file and reads it back the same', async () => {
    const data = makeTempDir('mqb-rollouts-');
    const store = new RolloutStore(data);
    let r = rolloutNamed('20261207T100000Z-0001');
    await store.save(r);
    r = reduce(r, { type: 'board-healthy', prefix: 'sim/a', fw: 'v2' }, 5);
    await store.save(r);
    const file = path.join(data, 'rollouts', '20261207T100000Z-0001.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.join(data, 'rollouts'))).toEqual(['20261207T100000Z-0001.json']); // no temp files left
    expect(await new RolloutStore(data).load(r.def.id)).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it('a write cut short (a temp file never renamed) leaves the last saved state whole', async () => {
    const data = makeTempDir('mqb-rollouts-');
    const store = new RolloutStore(data);
    const r = rolloutNamed('r-crash');
    await store.save(r);
    // What a crash between writing and renaming leaves: a partial temp file beside the real one.
    fs.writeFileSync(path.join(data, 'rollouts', 'r-crash.json.999.1.tmp'), '{"def": {"id": "r-cr');
    expect((await store.load('r-crash')).boards['sim/a']!.phase).toBe('pending');
    expect((await store.list()).map((x) => x.def.id)).toEqual(['r-crash']);
  });

  it('lists rollouts oldest first, picks the latest without an id, refuses bad ids and damaged files', async () => {
    const data = makeTempDir('mqb-rollouts-');
    const store = new RolloutStore(data);
    await expect(store.pick(undefined)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/no rollouts yet/) });
    await store.save(rolloutNamed('b-later', 2000));
    await store.save(rolloutNamed('a-earlier', 1000));
    expect((await store.list()).map((x) => x.def.id)).toEqual(['a-earlier', 'b-later']);
    expect((await store.pick(undefined)).def.id).toBe('b-later');
    await expect(store.load('../etc/passwd')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(store.load('missing')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/no rollout "missing"/) });
    const damaged = path.join(data, 'rollouts', 'c-bad.json');
    fs.writeFileSync(damaged, '{ not json');
    await expect(store.load('c-bad')).rejects.toMatchObject({ code: 'LOCAL_IO' });
    expect(fs.readFileSync(damaged, 'utf8')).toBe('{ not json');
    expect((await store.list()).map((x) => x.def.id)).toEqual(['a-earlier', 'b-later']);
  });
});

describe('RolloutStore locks and requests', () => {
  it('refuses a second runner while the first lives, takes over a dead one\'s lock, and passes pause/abort requests', async () => {
    const store = new RolloutStore(makeTempDir('mqb-rollouts-'));
    const release = await store.lock('r1');
    expect(await store.runningPid('r1')).toBe(process.pid);
    await expect(store.lock('r1')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/is running in process \d+/) });
    await release();
    expect(await store.runningPid('r1')).toBeUndefined();
    // A process that died holding the lock (the console was killed): its lock is taken over.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(store.fileOf('r1') + '.lock', String(dead));
    await (await store.lock('r1'))();
    expect(await store.takeRequest('r1')).toBeUndefined();
    await store.request('r1', 'abort');
    expect(await store.takeRequest('r1')).toBe('abort');
    expect(await store.takeRequest('r1')).toBeUndefined();
  });
});

describe('defaultDataDir', () => {
  it('is MQBOARD_DATA_DIR when set, else the per-user app data folder Electron uses', () => {
    expect(defaultDataDir({ MQBOARD_DATA_DIR: '/tmp/x' }, 'linux', '/home/u')).toBe('/tmp/x');
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.config/mqboard-console');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/u')).toBe('/cfg/mqboard-console');
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/mqboard-console');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toMatch(/Roaming.mqboard-console$/);
  });
});
