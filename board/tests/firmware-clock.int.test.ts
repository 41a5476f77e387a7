// The board's clock on a stock ESP32: the RTC reads 2000-01-01 after power-on, so the firmware sets
// it by SNTP before its first verified TLS connection, falls back to the last time it saved, says
// so in its status, keeps the RTC's time across deep sleep, and sends Unix time everywhere.
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { getTestCa } from '../../src-main/testing/test-ca.js';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { FirmwareRig } from './firmware-harness.js';
import { lastStatus, startRig, until } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const nowS = () => Math.floor(Date.now() / 1000);
/** A port on loopback where no NTP server answers (the discard service is not running here). */
const NO_NTP = { servers: ['127.0.0.1'], port: 9, timeout_ms: 500 };

describe.each(BROKER_KINDS)('board clock against %s', (kind) => {
  it('a board powered on at 2000-01-01 sets its clock by NTP, connects with CA verification and sends Unix times', async () => {
    rig = await startRig({ kind, tls: true });
    const [board] = rig.boards;
    const prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    const status = await until('online status', () => lastStatus(rig!, prefix)?.online && lastStatus(rig!, prefix));
    expect(status.clock).toBe('ntp');
    expect(Math.abs((status.t as number) - nowS())).toBeLessThan(60);
    expect(await board!.probeJson('__import__("time").gmtime()[0]')).toBe(new Date().getUTCFullYear());
    // A crash record carries Unix time too (the port's time.time() counts from 2000).
    await board!.probe('import mqb_crash\nmqb_crash.record("test record", "test")');
    const rec = await board!.probeJson<Array<{ t: number; where: string }>>('mqb_crash.records()');
    expect(Math.abs(rec.find((r) => r.where === 'test')!.t - nowS())).toBeLessThan(60);
    expect(rig.fleet.timeRequests).toBeGreaterThanOrEqual(1);

    // A deep-sleep wake keeps the RTC's time: no NTP round trip.
    const asked = rig.fleet.timeRequests;
    await board!.probe('import machine\nmachine.deepsleep(300)').catch(() => {});
    await until('status after the wake', () => {
      const s = lastStatus(rig!, prefix);
      return s?.online && s.reset_cause === 'deepsleep' && s;
    });
    expect(lastStatus(rig, prefix)!.clock).toBe('rtc');
    expect(rig.fleet.timeRequests).toBe(asked);
  });
});

describe('board clock without NTP', () => {
  it('applies the last saved time (TLS still verifies) and reports it', async () => {
    // The last time the board saw: after the broker certificate was issued, before now.
    const { server } = await getTestCa();
    const saved = Math.max(Math.floor(Date.parse(new X509Certificate(server.cert).validFrom) / 1000) + 1, nowS() - 3600);
    rig = await startRig({ tls: true, boardConfig: { ntp: NO_NTP }, files: { '.mqb_time': String(saved) } });
    const prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    const status = await until('online status', () => lastStatus(rig!, prefix)?.online && lastStatus(rig!, prefix));
    expect(status.clock).toBe('saved');
    expect(status.t as number).toBeGreaterThanOrEqual(saved);
  });

  it('with no NTP answer and nothing saved, says the time is unknown', async () => {
    rig = await startRig({ boardConfig: { ntp: NO_NTP } });
    const [board] = rig.boards;
    const prefix = rig.prefixes[0]!;
    const serial = board!.waitForSerial(/clock unknown/, 20_000);
    await rig.fleet.start();
    await serial;
    const status = await until('online status', () => lastStatus(rig!, prefix)?.online && lastStatus(rig!, prefix));
    expect(status.clock).toBe('unknown');
  });
});
