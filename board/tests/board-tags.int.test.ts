// Board tags (docs/firmware.md, the `tags` command in docs/protocol.md) on a virtual board running
// the real firmware, both brokers: the config's list is announced in the status (bad tags dropped),
// the `tags` command replaces or edits it, stores it in /tags.json and republishes the status at
// once; a bad request is refused and changes nothing. One board per broker for every case.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe.each(BROKER_KINDS)('board tags on %s', (kind) => {
  let rig: FirmwareRig;
  let prefix: string;
  const statuses = () => rig.seen.filter((m) => m.topic === `${prefix}/mqb/status`).length;

  beforeAll(async () => {
    rig = await startRig({ kind, boardConfig: { tags: ['kitchen', 'bad tag!', 'battery', 'kitchen'] } });
    prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    await until('board online', () => lastStatus(rig, prefix)?.online, 30_000);
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('announces the config\'s tags in its status, without the invalid one or a duplicate', () => {
    const s = lastStatus(rig, prefix)!;
    expect(s.tags).toEqual(['kitchen', 'battery']);
    expect(s.caps).toContain('tags');
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
});
