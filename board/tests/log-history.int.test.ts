// The console connects after a board has booted and logged: it fetches the board's kept lines
// (boot log + ring, `logs` command) and merges them with what it receives live, no line twice.
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src-main/core/broker-profile.js';
import { Engine } from '../../src-main/core/engine.js';
import { makeTempDir } from '../../src-main/sim/test-boards.js';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { FirmwareRig } from './firmware-harness.js';
import { logLines, startRig, until, untilHealthy } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  await rig?.close();
  rig = engine = undefined;
});

describe.each(BROKER_KINDS)('log history from the board against %s', (kind) => {
  it('a console that connects late gets the boot log and the ring, merged with live lines without duplicates', async () => {
    rig = await startRig({ kind, boardConfig: { log: { ring: 700, boot_log: 900 } } });
    const prefix = rig.prefixes[0]!;
    const board = rig.boards[0]!;
    await rig.fleet.start();
    await untilHealthy(board);
    await board.probe('import mqb_log\nfor i in range(30): mqb_log.getLogger("app").info("before the console %d", i)');
    await until('lines published', () => logLines(rig!, prefix).some((l) => l.endsWith('before the console 29')));
    const published = logLines(rig!, prefix);

    const env = { MQBOARD_SERVER: rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw', MQBOARD_HISTORY: path.join(makeTempDir(), 'h') };
    const profile = resolveConnection({}, env).profile;
    engine = new Engine();
    await engine.connect(profile, { logHistory: true });
    const history = engine.logHistory(profile.id)!;
    const kept = await until('kept lines fetched', () => history.lines(prefix).length > 0 && history.lines(prefix).map((l) => l.raw));
    // The boot log: the first lines of the boot, as published; the ring: the latest ones.
    expect(kept[0]).toBe(published[0]);
    expect(kept.some((l) => /MQBoard sim\/sim-01, normal mode, boot 1$/.test(l))).toBe(true);
    expect(kept.at(-1)).toMatch(/before the console 29$/);
    expect(kept.join('\n').length).toBeLessThanOrEqual(900 + 700 + 60);
    for (const line of kept) expect(published).toContain(line);
    const order = kept.map((l) => published.indexOf(l));
    expect(order).toEqual([...order].sort((a, b) => a - b));

    // Live lines from now on; a pane opening fetches again and adds nothing twice.
    await board.probe('for i in range(3): mqb_log.getLogger("app").info("while the console listens %d", i)');
    await until('live lines', () => history.lines(prefix).some((l) => l.raw.endsWith('listens 2')));
    expect(await engine.fetchKeptLogs(profile.id, prefix)).toBe(0);
    const all = history.lines(prefix).map((l) => l.raw);
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((l) => /listens \d$/.test(l))).toHaveLength(3);
  }, 40_000);
});
