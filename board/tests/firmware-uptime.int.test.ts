// Uptime past the tick counter's wrap: the ESP32 port's ticks_ms wraps at 2^30 ms and ticks_diff
// spans only +-2^29 ms (6.2 days), so a board up for weeks must still report the right uptime.
// The board starts 15 s before the wrap (ticksAtStart), so a few statuses straddle it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirmwareRig } from './firmware-harness.js';
import { startRig, until } from './firmware-harness.js';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';

const WRAP_MS = 2 ** 30;

describe.each(BROKER_KINDS)('firmware uptime across the ticks_ms wrap on %s', (kind) => {
  let rig: FirmwareRig;
  beforeAll(async () => {
    rig = await startRig({ kind, ticksAtStart: WRAP_MS - 15_000, boardConfig: { status_interval: 5 } });
    await rig.fleet.start();
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('counts from boot, keeps growing after the wrap and never goes negative', async () => {
    const uptimes = () =>
      rig.seen
        .filter((m) => m.topic === `${rig.prefixes[0]}/mqb/status` && m.payload.length > 0)
        .map((m) => JSON.parse(m.payload.toString()) as { online: boolean; uptime?: number })
        .filter((s) => s.online)
        .map((s) => s.uptime!);
    await until('a status after the wrap', () => uptimes().some((u) => u > WRAP_MS / 1000 + 2), 45_000);
    const seen = uptimes();
    expect(seen[0]).toBeGreaterThanOrEqual(Math.floor((WRAP_MS - 15_000) / 1000));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  }, 60_000);
});
