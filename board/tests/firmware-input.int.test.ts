import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import { getTestCa } from '../../src-main/testing/test-ca.js';
import type { FirmwareRig } from './firmware-harness.js';
import { lastStatus, logLines, startRig, until, untilHealthy } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe.each(BROKER_KINDS)('firmware over TLS with a password against %s', (kind) => {
  it('connects with the test CA; a wrong CA or a wrong password keeps it out with a clear log line', async () => {
    rig = await startRig({ kind, tls: true, count: 3 });
    const [good, wrongCa, wrongPw] = rig.boards as [typeof rig.boards[0], typeof rig.boards[0], typeof rig.boards[0]];
    const ca = await getTestCa();
    fs.writeFileSync(path.join(wrongCa.state.flashDir, 'ca.der'), ca.wrongCa.cert); // PEM of another CA
    const secrets = path.join(wrongPw.state.flashDir, 'board_secrets.py');
    fs.writeFileSync(secrets, fs.readFileSync(secrets, 'utf8').replace(/mqtt_password = .*/, 'mqtt_password = "not-the-password"'));
    const refusedCa = wrongCa.waitForSerial(/connect failed: OSError\(-9984, 'MBEDTLS_ERR_X509_CERT_VERIFY_FAILED'\)/, 30_000);
    const refusedPw = wrongPw.waitForSerial(/connect failed: .*CONNACK refused \([45]\): (bad user name or password|not authorized)/, 30_000);
    await rig.fleet.start();
    await until('TLS board online', () => lastStatus(rig!, rig!.prefixes[0]!)?.online);
    await refusedCa;
    await refusedPw;
    expect(lastStatus(rig, rig.prefixes[1]!)).toBeUndefined();
    expect(lastStatus(rig, rig.prefixes[2]!)).toBeUndefined();
    expect(good.power).toBe('running');
  }, 60_000);
});

describe('firmware under bad input', () => {
  it('survives 1,000 malformed messages on its subscriptions, keeps feeding its watchdog, logs at most one line each', async () => {
    rig = await startRig({ boardConfig: { modules: { blinky: { pin: 2, period_ms: 200 } } } });
    const prefix = rig.prefixes[0]!;
    const [board] = rig.boards;
    let resets = 0;
    board!.on('reset', () => resets++);
    await rig.fleet.start();
    await until('online', () => lastStatus(rig!, prefix)?.online);
    await untilHealthy(board!);
    const feedsBefore = await board!.probeJson<number>('mqb_launch.board.watchdog.feeds');
    const logsBefore = logLines(rig, prefix).length;

    const garbage = (i: number) => Buffer.from(Array.from({ length: (i * 37) % 300 }, (_, k) => (i * 131 + k * 17) % 256));
    const bad: Array<[string, Buffer]> = [];
    for (let i = 0; i < 1000; i++) {
      switch (i % 8) {
        case 0: bad.push([`${prefix}/mqb/cmd/`, garbage(i)]); break;
        case 1: bad.push([`${prefix}/mqb/cmd/eval`, Buffer.alloc(0)]); break;
        case 2: bad.push([`${prefix}/mqb/cmd//id${i}`, garbage(i)]); break;
        case 3: bad.push([`${prefix}/mqb/cmd/feed/x${i}`, Buffer.alloc(0)]); break;
        case 4: bad.push([`${prefix}/blinky/period`, garbage(i)]); break;
        case 5: bad.push([`${prefix}/blinky/period`, Buffer.from(i % 16 === 5 ? '-5' : 'fast')]); break;
        case 6: bad.push([`${prefix}/blinky/period`, Buffer.alloc(i === 6 ? 100_000 : 0, 0x41)]); break;
        case 7: bad.push([`${prefix}/mqb/cmd/feed/${'\u00ff'.repeat(3)}`, garbage(i)]); break;
      }
    }
    for (const [topic, payload] of bad) await rig.peer.publishAsync(topic, payload, { qos: 1 });
    await rig.peer.publishAsync(`${prefix}/blinky/period`, '500', { qos: 1 }); // a good one after the storm
    await until('blinky took the good period', () => rig!.seen.find((m) => m.topic === `${prefix}/blinky/state` && m.payload.toString() === '{"period_ms": 500}'), 30_000);
    await until('more feeds', async () => (await board!.probeJson<number>('mqb_launch.board.watchdog.feeds')) >= feedsBefore + 2, 15_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(resets).toBe(0);
    expect(board!.power).toBe('running');
    const newLines = logLines(rig, prefix).length - logsBefore;
    console.log(`1,000 bad messages → ${newLines} log lines`);
    expect(newLines).toBeLessThanOrEqual(1000);
  }, 90_000);
});
