// Board tags (docs/firmware.md, the `tags` command in docs/protocol.md) on a virtual board running
// the real firmware, both brokers: the config's list is announced in the status (bad tags dropped),
// the `tags` command replaces or edits it, stores it in /tags.json and republishes the status at
// once; a bad request is refused and changes nothing. Then the CLI: `mqboard tags` edits them and
// `mqboard fleet --tag` selects by them. Two boards per broker for every case.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestCli } from '../../src-main/cli/cli-test-io.js';
import { EXIT_CODES } from '../../src-main/common/errors.js';
import { makeTempDir } from '../../src-main/sim/test-boards.js';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { FirmwareRig } from './firmware-harness.js';
import { lastStatus, startRig, until } from './firmware-harness.js';

let next = 0;

/** Sends one single-message command and waits for its reply: [ok, text]. */
async function command(rig: FirmwareRig, prefix: string, cmd: string, payload: string): Promise<[boolean, string]> {
  const id = `tagtst${(next++).toString().padStart(2, '0')}`;
  await rig.peer.publishAsync(`${prefix}/mqb/cmd/${cmd}/${id}`, Buffer.concat([Buffer.from([0x80, 0]), Buffer.from(payload)]), { qos: 1 });
  const reply = await until(`reply to ${cmd} ${payload}`, () => rig.seen.find((m) => m.topic === `${prefix}/mqb/reply/out/${id}` || m.topic === `${prefix}/mqb/reply/err/${id}`));
  const ok = reply.topic.includes('/reply/out/');
  return [ok, (ok ? reply.payload.subarray(2) : reply.payload).toString()];
}

describe.each(BROKER_KINDS)('board tags and mqboard tags on %s', (kind) => {
  let rig: FirmwareRig;
  let prefix: string;
  let env: Record<string, string>;
  const statuses = () => rig.seen.filter((m) => m.topic === `${prefix}/mqb/status`).length;
  const cli = (args: string[]) => runTestCli(args, env);
  const fleetPrefixes = async (tag: string) => (JSON.parse((await cli(['fleet', '--json', '--listen', '1', '--tag', tag])).out) as Array<{ prefix: string; tags?: string[] }>);

  beforeAll(async () => {
    // sim-01 has tags in its config (one invalid, one twice), sim-02 none.
    rig = await startRig({ kind, count: 2, boardConfigFor: (i) => (i === 0 ? { tags: ['kitchen', 'bad tag!', 'battery', 'kitchen'] } : {}) });
    prefix = rig.prefixes[0]!;
    env = { MQBOARD_SERVER: rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw', MQBOARD_HISTORY: path.join(makeTempDir(), 'history'), MQBOARD_DATA_DIR: makeTempDir('mqb-tags-data-') };
    await rig.fleet.start();
    await until('boards online', () => rig.prefixes.every((p) => lastStatus(rig, p)?.online), 40_000);
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('announces the config\'s tags in its status, without the invalid one or a duplicate; a board without tags loads nothing for them', async () => {
    const s = lastStatus(rig, prefix)!;
    expect(s.tags).toEqual(['kitchen', 'battery']);
    expect(s.caps).toContain('tags');
    expect(lastStatus(rig, rig.prefixes[1]!)).not.toHaveProperty('tags');
    await rig.boards[1]!.probe('import sys');
    expect(await rig.boards[1]!.probeJson('"mqb_tags" in sys.modules')).toBe(false);
  });

  it('sets, adds and removes tags on command: stored in /tags.json, the status republished at once', async () => {
    const [okGet, current] = await command(rig, prefix, 'tags', '');
    expect([okGet, JSON.parse(current)]).toEqual([true, { tags: ['kitchen', 'battery'], source: 'config' }]);
    let before = statuses();
    const [ok, text] = await command(rig, prefix, 'tags', JSON.stringify({ set: ['garage', 'v2'] }));
    expect(ok).toBe(true);
    expect(JSON.parse(text)).toEqual({ tags: ['garage', 'v2'], source: 'console' });
    await until('status republished', () => statuses() > before && lastStatus(rig, prefix));
    expect(lastStatus(rig, prefix)!.tags).toEqual(['garage', 'v2']);
    const file = path.join(rig.boards[0]!.state.flashDir, 'tags.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(['garage', 'v2']);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);

    before = statuses();
    expect(JSON.parse((await command(rig, prefix, 'tags', JSON.stringify({ add: ['north', 'garage'], rm: ['v2'] })))[1]).tags).toEqual(['garage', 'north']);
    await until('status republished after the edit', () => statuses() > before);
    expect(lastStatus(rig, prefix)!.tags).toEqual(['garage', 'north']);
    // What a reboot reads: the file, not the config.
    await rig.boards[0]!.probe('import mqb_tags\nmqb_tags._cur = None');
    expect(await rig.boards[0]!.probeJson('mqb_tags.current()')).toEqual(['garage', 'north']);
  });

  it('refuses a bad tag, too many tags or a malformed request, and keeps the tags it had', async () => {
    const keep = (await command(rig, prefix, 'tags', ''))[1];
    expect(await command(rig, prefix, 'tags', JSON.stringify({ add: ['no spaces'] }))).toEqual([false, "bad tag 'no spaces': 1-24 characters of A-Z a-z 0-9 - _ ."]);
    expect(await command(rig, prefix, 'tags', JSON.stringify({ set: ['x'.repeat(25)] }))).toEqual([false, `bad tag '${'x'.repeat(25)}': 1-24 characters of A-Z a-z 0-9 - _ .`]);
    expect(await command(rig, prefix, 'tags', JSON.stringify({ set: Array.from({ length: 9 }, (_, i) => `t${i}`) }))).toEqual([false, 'too many tags (9): at most 8']);
    const usage = [false, 'tags: expected JSON {"set": [...] or null} or {"add": [...], "rm": [...]}'];
    expect(await command(rig, prefix, 'tags', '{"set": "kitchen"}')).toEqual(usage);
    expect(await command(rig, prefix, 'tags', 'kitchen')).toEqual(usage);
    expect(await command(rig, prefix, 'tags', '{"drop": []}')).toEqual(usage);
    expect((await command(rig, prefix, 'tags', ''))[1]).toBe(keep);
  });

  it('goes back to the config\'s list when the console clears its own ({"set": null})', async () => {
    const before = statuses();
    expect(JSON.parse((await command(rig, prefix, 'tags', '{"set": null}'))[1])).toEqual({ tags: ['kitchen', 'battery'], source: 'config' });
    await until('status republished', () => statuses() > before);
    expect(lastStatus(rig, prefix)!.tags).toEqual(['kitchen', 'battery']);
    expect(fs.existsSync(path.join(rig.boards[0]!.state.flashDir, 'tags.json'))).toBe(false);
  });
  it('tags a board from the CLI; fleet --tag then lists it (and only it), with its tags', async () => {
    const [b1, b2] = rig.prefixes as [string, string];
    expect(await cli(['tags', '-p', b1])).toMatchObject({ code: 0, out: `${b1}: kitchen battery  (from its board config)\n` });
    expect(await cli(['tags', '-p', b1, '--add', 'garage,north'])).toMatchObject({ code: 0, out: `${b1}: kitchen battery garage north\n` });
    expect((await fleetPrefixes('garage')).map((e) => [e.prefix, e.tags])).toEqual([[b1, ['kitchen', 'battery', 'garage', 'north']]]);
    const table = await cli(['fleet', '--listen', '1', '--tag', 'north,garage']);
    expect(table.out).toMatch(/TAGS/);
    expect(table.out).toContain('kitchen,battery,garage,north');
    expect(table.out).not.toContain(b2);

    // Many boards at once through a glob, the untagged one too; then --reset.
    const all = await cli(['tags', '-p', 'sim/*', '--json', '--add', 'lab', '--rm', 'kitchen']);
    expect(JSON.parse(all.out)).toEqual([{ prefix: b1, tags: ['battery', 'garage', 'north', 'lab'], source: 'console' }, { prefix: b2, tags: ['lab'], source: 'console' }]);
    expect((await fleetPrefixes('lab')).map((e) => e.prefix)).toEqual([b1, b2]);
    expect(await fleetPrefixes('kitchen')).toEqual([]);
    expect(await cli(['tags', '-p', 'sim/*', '--reset'])).toMatchObject({ code: 0, out: `${b1}: kitchen battery  (from its board config)\n${b2}: (no tags)  (from its board config)\n` });
    expect((await fleetPrefixes('kitchen')).map((e) => e.prefix)).toEqual([b1]);
  });

  it('refuses a bad tag before touching a board', async () => {
    const r = await cli(['tags', '-p', rig.prefixes[0]!, '--add', 'no space']);
    expect(r.code).toBe(EXIT_CODES.USAGE);
    expect(r.err).toContain('--add: bad tag "no space": 1-24 characters of A-Z a-z 0-9 - _ .');
    expect((await cli(['fleet', '--tag', 'a b'])).code).toBe(EXIT_CODES.USAGE);
  });

  it('rollout start --tag updates the boards with the tag and no other; the rollout records them; the tag survives the reset', async () => {
    const b2 = rig.prefixes[1]!;
    const dir = makeTempDir('mqb-tags-rollout-');
    fs.writeFileSync(path.join(dir, 'tagged.py'), '__version__ = "1.0"\n');
    fs.writeFileSync(path.join(dir, 'app.spec'), '/src:\n    tagged.py\n');
    expect((await cli(['tags', '-p', b2, '--add', 'canary'])).code).toBe(0);
    expect((await cli(['rollout', 'start', path.join(dir, 'app.spec'), '--tag', 'nosuch'])).err).toMatch(/no board matches tag:nosuch/);
    const boots = lastStatus(rig, b2)!.boots as number;
    const run = await cli(['rollout', 'start', path.join(dir, 'app.spec'), '--tag', 'canary', '--online-within', '30', '--stable', '0']);
    expect(run.code, run.out + run.err).toBe(0);
    const status = JSON.parse((await cli(['rollout', 'status', '--json'])).out) as { tags: string[]; boards: Array<{ prefix: string }> };
    expect(status).toMatchObject({ tags: ['canary'], boards: [{ prefix: b2 }] });
    expect(fs.existsSync(path.join(rig.boards[1]!.state.flashDir, 'src', 'tagged.py'))).toBe(true);
    expect(fs.existsSync(path.join(rig.boards[0]!.state.flashDir, 'src', 'tagged.py'))).toBe(false);
    // The rollout reset the board: its tags came back from /tags.json at boot.
    expect(lastStatus(rig, b2)).toMatchObject({ online: true, boots: boots + 1, tags: ['canary'] });
  }, 60_000);
});
