import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAppImage } from '../../src-main/common/firmware-image.js';
import { factoryFirmware } from '../../src-main/sim/factory-firmware.js';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { FirmwareRig } from './firmware-harness.js';
import { lastStatus, logLines, startRig, until } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

// Original MQBoard log line: severity letter, time, logger right-aligned in 8, colon, text.
const LOG_LINE = /^[CEWID] (\d+|\d\d:\d\d:\d\d\.\d{3}) [ a-z_]{0,8}[a-z_]+: .+$/;

describe.each(BROKER_KINDS)('firmware boot and status against %s', (kind) => {
  it('publishes a retained status and its log lines (also those from before the connection); the will marks it offline', async () => {
    rig = await startRig({ kind });
    const [board] = rig.boards;
    const prefix = rig.prefixes[0]!;
    await rig.fleet.start();
    const status = await until('online status', () => lastStatus(rig!, prefix)?.online && lastStatus(rig!, prefix));
    expect(status).toMatchObject({
      online: true, prefix, fw: 'v1.27.0', project: '', partition: 'ota_0', pending_verify: false,
      safe_mode: false, reset_cause: 'power-on', boots: 1, crashes: 0, proto: 2,
    });
    // A stock image's app descriptor has no version or project name (issue 15, point 3): the
    // version is MicroPython's (os.uname()), the image is told apart by its ELF SHA-256.
    expect(status.micropython).toMatch(/^v1\.27\.0 on \d{4}-\d\d-\d\d$/);
    expect(status.app_sha).toBe(parseAppImage(factoryFirmware()).appDesc!.elfSha256);
    expect(status.caps).toEqual(expect.arrayContaining(['feed', 'crashlog', 'reset']));
    expect(status.mem_free).toBeGreaterThan(20_000);
    expect(status.ip).toMatch(/^10\.42\.0\./);

    // The boot line was logged before MQTT was up: buffered, then published.
    const lines = await until('boot log line', () => {
      const l = logLines(rig!, prefix);
      return l.some((x) => /main: MQBoard sim\/sim-01, normal mode, boot 1$/.test(x)) && l.some((x) => /^I .* mqtt: connected to /.test(x)) && l;
    });
    for (const line of lines) expect(line).toMatch(LOG_LINE);

    // A plain subscriber that connects later gets the retained status.
    const sub = kind === 'mosquitto' ? await mosquittoSubOnce(rig.broker.port, `${prefix}/mqb/status`) : undefined;
    if (sub !== undefined) expect(JSON.parse(sub)).toMatchObject({ online: true, prefix });

    await board!.powerOff(); // the connection dies without a DISCONNECT: the broker sends the will
    const offline = await until('offline status', () => lastStatus(rig!, prefix)?.online === false && lastStatus(rig!, prefix));
    expect(offline).toMatchObject({ online: false, prefix, fw: 'v1.27.0' });
  });
});

function mosquittoSubOnce(port: number, topic: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-u', 'console', '-P', 'console-pw', '-t', topic, '-C', '1', '-W', '10']);
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`mosquitto_sub exited ${code}`))));
  });
}
