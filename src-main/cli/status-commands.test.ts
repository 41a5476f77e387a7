import { describe, expect, it } from 'vitest';
import { parseBoardStatus } from '../common/board-status.js';
import { boardState } from '../common/board-state.js';
import type { BoardEntry } from '../core/fleet-registry.js';
import { FakeSession } from '../core/fake-session.js';
import { FleetRegistry } from '../core/fleet-registry.js';
import { entryJson, fleetTable, fleetWarnings } from './status-commands.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const entry = (prefix: string, status: Record<string, unknown>, extra: Partial<BoardEntry> = {}): BoardEntry => ({
  prefix,
  status: parseBoardStatus(prefix, JSON.stringify(status))!,
  lastSeen: NOW,
  state: boardState(parseBoardStatus(prefix, JSON.stringify(status)), NOW, NOW),
  ...extra,
});

describe('fleetTable', () => {
  it('shows each board with its uptime as of now, safe mode with its reason, its tags, and offline boards', () => {
    const text = fleetTable([
      entry('sim/a', { online: true, fw: '1.2.0', partition: 'ota_1', uptime: 60, t: NOW / 1000 - 30, crashes: 2, tags: ['kitchen', 'battery'] }),
      entry('sim/b', { online: true, fw: '1.2.0', partition: 'ota_0', safe_mode: true, safe_reason: 'boot loop', uptime: 5, t: NOW / 1000 }),
      entry('sim/c', { online: false }),
    ], NOW);
    expect(text).toBe(
      'PREFIX  ONLINE  STATE    FW     PARTITION  SAFE MODE        CRASHES  UPTIME  LAST SEEN  TAGS\n' +
      'sim/a   yes     online   1.2.0  ota_1      no               2        1m 30s  30s ago    kitchen,battery\n' +
      'sim/b   yes     online   1.2.0  ota_0      yes (boot loop)  0        5s      0s ago     -\n' +
      'sim/c   no      offline  -      -          no               0        -       -          -\n',
    );
  });

  it('shows battery boards asleep with their next wake, then overdue (the state comes from the registry)', () => {
    const asleep = { online: false, asleep: true, sleep: { period: 600, awake: 5, next_wake: 1_000_600 }, t: 1_000_000 };
    const at = (now: number) => fleetTable([entry('bat', asleep, { state: boardState(parseBoardStatus('bat', JSON.stringify(asleep)), NOW, now) })], now).split('\n')[1];
    expect(at(NOW + 93_000)).toMatch(/^bat +no +asleep, wakes in 8m 27s +-/);
    expect(at(NOW + 700_000)).toMatch(/^bat +no +asleep, waking +-/); // within the 300 s margin
    expect(at(NOW + 1_000_000)).toMatch(/^bat +no +overdue 6m 40s +-/);
    const j = entryJson(entry('bat', asleep));
    expect(j).toMatchObject({ state: 'asleep', wakeAt: NOW + 600_000, asleep: true, sleep: { period: 600, nextWake: 1_000_600 } });
  });

  it('neutralises control characters a board put in its status', () => {
    expect(fleetTable([entry('x', { online: true, fw: '\x1b[2Jevil' })], NOW)).toContain('\\x1b[2Jevil');
  });
});

describe('entryJson', () => {
  it('flattens the status next to the prefix and keeps crash records', () => {
    const j = entryJson(entry('p', { online: true, proto: 2 }, { crashes: [{ t: 1, boot: 1, where: 'x', error: 'E', trace: '' }] }));
    expect(j).toMatchObject({ prefix: 'p', online: true, proto: 2, lastSeen: NOW, crashRecords: [{ where: 'x' }] });
  });
});

describe('fleetWarnings', () => {
  it('warns about every board whose prefix nests with another\'s', async () => {
    const session = new FakeSession();
    const registry = new FleetRegistry(session);
    await registry.discover();
    for (const p of ['esp32/kitchen', 'esp32/kitchen/fridge', 'esp32/hall']) session.deliver(`${p}/mqb/status`, JSON.stringify({ online: true, proto: 2 }));
    const lines = fleetWarnings(registry.list()).split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^mqboard: warning: esp32\/kitchen: nested prefix: holds the prefix of "esp32\/kitchen\/fridge"/);
    expect(lines[1]).toMatch(/^mqboard: warning: esp32\/kitchen\/fridge: nested prefix: inside the prefix of "esp32\/kitchen"/);
    expect(entryJson(registry.get('esp32/kitchen/fridge')!).warning).toMatch(/nested prefix/);
  });
});
