// Battery boards: a duty cycle of deep sleep and short wakes. Between wakes the board's retained
// status says "asleep" with its next wake (never the will's plain "offline"), a wake is a healthy
// boot (no safe mode however many cycles), and commands published while it sleeps run at the wake.
import { afterEach, describe, expect, it } from 'vitest';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { FirmwareRig } from './firmware-harness.js';
import { startRig, until } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const statuses = (r: FirmwareRig, prefix: string) =>
  r.seen.filter((m) => m.topic === `${prefix}/mqb/status` && m.payload.length > 0).map((m) => JSON.parse(m.payload.toString()) as Record<string, unknown>);

describe.each(BROKER_KINDS)('duty cycle against %s', (kind) => {
  it('cycles through deep sleep: asleep between wakes, never offline, never safe mode; a command sent while asleep runs at the wake', async () => {
    rig = await startRig({ kind, boardConfig: { sleep: { period: 2, awake: 1 }, watchdog: { timeout: 20, allok: 3, revert: true } } });
    const prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    const asleep = () => statuses(rig!, prefix).filter((s) => s.asleep === true);
    await until('3 sleep cycles', () => asleep().length >= 3, 60_000);
    const all = statuses(rig, prefix);
    // Every "not online" status is a planned sleep with its next wake: the will never fired.
    for (const s of all.filter((x) => x.online === false)) {
      expect(s).toMatchObject({ asleep: true, sleep: { period: 2, awake: 1 } });
      expect(Math.abs((s.sleep as { next_wake: number }).next_wake - (Math.floor(Date.now() / 1000) + 2))).toBeLessThan(60);
    }
    const online = all.filter((x) => x.online === true);
    expect(online.some((s) => s.reset_cause === 'deepsleep')).toBe(true);
    expect(online.every((s) => s.safe_mode === false)).toBe(true);
    expect(online[online.length - 1]!.caps).toContain('awake');

    // Published while it sleeps (QoS 1, persistent session): delivered and run at the next wake.
    await until('the board asleep', () => statuses(rig!, prefix).at(-1)?.asleep === true && true, 20_000);
    await rig.peer.publishAsync(`${prefix}/mqb/cmd/eval/w1`, Buffer.concat([Buffer.from([0x80, 0]), Buffer.from('6*7')]), { qos: 1 });
    const reply = await until('eval reply at the wake', () => rig!.seen.find((m) => m.topic === `${prefix}/mqb/reply/out/w1`), 30_000);
    expect(reply.payload.subarray(2).toString()).toBe('42');
    expect(rig.seen.filter((m) => m.topic === `${prefix}/mqb/reply/out/w1`)).toHaveLength(1);
  });
});

// The fast wake (board/lib/mqb_net.py) against the ESP32 radio model (src-main/sim/radio-timing.ts):
// DHCP costs ~0.8 s of each wake unless the board reuses the lease it saved in RTC memory.
it('a wake reuses the saved IP lease and skips DHCP; a saved address that reaches nothing falls back to DHCP', async () => {
  rig = await startRig({ kind: 'aedes', radio: 'esp32', boardConfig: { sleep: { period: 2, awake: 1 }, watchdog: { timeout: 20, allok: 3, revert: true } } });
  const prefix = rig.prefixes[0]!;
  const board = rig.boards[0]!;
  await rig.fleet.start();
  type Wifi = { join: string; join_ms: number; channel: number };
  // The first status of each boot (its number is "boots"): how that wake joined.
  const wakes = () => {
    const byBoot = new Map<number, Wifi>();
    for (const s of statuses(rig!, prefix)) if (s.online === true && s.wifi && !byBoot.has(s.boots as number)) byBoot.set(s.boots as number, s.wifi as Wifi);
    return [...byBoot.values()];
  };
  await until('two wakes', () => wakes().length >= 2, 40_000);
  const [first, second] = wakes() as [Wifi, Wifi];
  expect(first).toMatchObject({ join: 'dhcp', channel: 6 }); // power-on: nothing saved yet
  expect(second.join).toBe('static');
  expect(first.join_ms - second.join_ms).toBeGreaterThan(600); // the model's DHCP exchange: 830 ms

  // The saved lease now points at another network (as after moving the board): the address
  // "connects" but reaches no broker, so the wake drops it and joins with DHCP.
  await board.probe(['import machine', 'm = bytearray(machine.RTC().memory())', 'm[20:24] = bytes((192, 168, 7, 7))', 'm[28:32] = bytes((192, 168, 7, 1))', 'machine.RTC().memory(m)'].join('\n'));
  await until('a third wake', () => wakes().length >= 3, 40_000);
  expect(wakes()[2]!.join).toBe('dhcp');
  expect(rig.seen.some((m) => m.topic.startsWith(`${prefix}/log`) && m.payload.toString().includes('saved address not usable'))).toBe(true);
  expect(statuses(rig, prefix).every((s) => s.safe_mode !== true)).toBe(true);
});
