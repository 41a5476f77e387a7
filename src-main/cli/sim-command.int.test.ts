import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../sim/test-boards.js';
import { startMosquitto } from '../testing/mosquitto.js';
import { getTestCa } from '../testing/test-ca.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const BIN = path.join(ROOT, 'bin', 'mqboard.js');
const FIXTURE = path.join(ROOT, 'src-main', 'sim', 'fixtures', 'mqtt-keepalive');

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(out + err)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, exited, waitFor, output: () => out, errors: () => err };
}

describe('mqboard sim', () => {
  it('provisions boards on an embedded broker, streams their serial output, stops on Ctrl-C', async () => {
    const dir = path.join(makeTempDir(), 'fleet');
    const p = run(['sim', '--boards', '2', '--dir', dir, '--firmware', FIXTURE]);
    await p.waitFor(/\[sim-01\] MQTT connected as sim-01/, 30_000);
    await p.waitFor(/\[sim-02\] MQTT connected as sim-02/, 30_000);
    expect(p.errors()).toMatch(/embedded broker on mqtt:\/\/127\.0\.0\.1:\d+/);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    expect(p.errors()).toMatch(/stopping 2 boards/);
    const records = JSON.parse(fs.readFileSync(path.join(dir, 'fleet.json'), 'utf8')) as { boards: Array<{ id: string; mqttPassword: string }> };
    expect(records.boards.map((b) => b.id)).toEqual(['sim-01', 'sim-02']);
    // Secrets stay out of the console output and the publishable config.
    expect(p.output() + p.errors()).not.toContain(records.boards[0]!.mqttPassword);
    expect(fs.readFileSync(path.join(dir, 'sim-01', 'flash', 'board_config.py'), 'utf8')).not.toContain(records.boards[0]!.mqttPassword);
    expect(fs.readFileSync(path.join(dir, 'sim-01', 'serial.log'), 'utf8')).toMatch(/MQTT connected/);
  }, 60_000);

  it('demo (npm start): 3 boards on an embedded broker, sim-03 ends in safe mode because of its broken app', async () => {
    const dir = path.join(makeTempDir(), 'demo');
    const p = run(['demo', '--dir', dir]);
    for (const id of ['sim-01', 'sim-02', 'sim-03']) await p.waitFor(new RegExp(`\\[${id}\\] .*mqtt: connected to`), 30_000);
    await p.waitFor(/\[sim-03\] .*module faulty failed to start/, 30_000);
    await p.waitFor(/\[sim-03\] .*safe mode \(boot loop\): app modules are not started/, 90_000);
    expect(p.output()).not.toMatch(/\[sim-0[12]\] .*safe mode/);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  }, 150_000);

  it('boards on a TLS broker (--broker mqtts://localhost --ca) start at 2000-01-01, set their clock, connect verified; eval of time.gmtime()[0] gives this year', async () => {
    const { ca } = await getTestCa();
    const broker = await startMosquitto({ tls: true });
    const dir = path.join(makeTempDir(), 'tls');
    const url = `mqtts://localhost:${broker.tlsPort}`;
    const p = run(['sim', '--boards', '1', '--broker', url, '--ca', ca.certPath, '--dir', dir, '--radio', 'instant']);
    try {
      await p.waitFor(/\[sim-01\] .*mqtt: connected to/, 60_000);
      // At power-on the board's clock said 2000: no verified handshake could have passed before it was set.
      expect(p.output()).toMatch(/\[sim-01\] .*clock set by NTP/);
      const ev = run(['--server', url, '--ca', ca.certPath, '-p', 'sim/sim-01', 'eval', 'time.gmtime()[0]']);
      expect(await ev.exited, ev.errors()).toBe(0);
      expect(ev.output().trim()).toBe(String(new Date().getUTCFullYear()));
    } finally {
      p.child.kill('SIGINT');
      await p.exited;
      await broker.close();
    }
  }, 120_000);

  it("enforces an ESP32's 110 KB heap unless --no-heap-limit", async () => {
    const firmware = makeTempDir();
    fs.writeFileSync(path.join(firmware, 'main.py'), 'try:\n    b = bytearray(200 * 1024)\n    print("HEAP grows")\nexcept MemoryError:\n    print("HEAP enforced")\n');
    for (const [flag, expected] of [[[], 'HEAP enforced'], [['--no-heap-limit'], 'HEAP grows']] as const) {
      const p = run(['sim', '--boards', '1', '--dir', path.join(makeTempDir(), 'fleet'), '--firmware', firmware, '--radio', 'instant', ...flag]);
      await p.waitFor(/\[sim-01\] HEAP/, 30_000);
      expect(p.output()).toContain(`[sim-01] ${expected}`);
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(0);
    }
  }, 60_000);

  it('exits non-zero with a clear message on bad options', async () => {
    const dir = makeTempDir();
    const bad = run(['sim', '--boards', 'many', '--dir', dir, '--firmware', FIXTURE]);
    expect(await bad.exited).toBe(1);
    expect(bad.errors()).toMatch(/--boards must be a whole number from 1 to 500 \(got NaN\)/);
    const url = run(['sim', '--broker', 'http://127.0.0.1:1', '--dir', dir, '--firmware', FIXTURE]);
    expect(await url.exited).toBe(1);
    expect(url.errors()).toMatch(/unsupported broker URL scheme "http:"/);
    const tls = run(['sim', '--broker', 'mqtts://127.0.0.1:8883', '--dir', dir, '--firmware', FIXTURE]);
    expect(await tls.exited).toBe(1);
    expect(tls.errors()).toMatch(/needs --ca/);
  }, 30_000);
});
