// `mqboard sim`: provisions and runs a fleet of virtual boards against a broker (or an embedded
// one on loopback), streaming every board's serial console with its id in front.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { DEMO_BOARD_CONFIG, DEMO_BOARD_COUNT } from '../app/demo-fleet.js';
import { startEmbeddedBroker } from '../core/embedded-broker.js';
import type { FleetBroker } from '../sim/fleet.js';
import { VirtualFleet } from '../sim/fleet.js';
import type { RadioProfile } from '../sim/radio-timing.js';
import { simPaths } from '../sim/sim-paths.js';
import { ESP32_POWER_ON_CLOCK_MS } from '../sim/virtual-board.js';
import { parseBrokerUrl } from './broker-url.js';

interface SimOptions {
  boards: string;
  boardConfig?: Record<string, unknown>;
  boardConfigFor?: (index: number) => Record<string, unknown>;
  broker?: string;
  dir: string;
  fresh?: boolean;
  firmware?: string;
  ca?: string;
  quiet?: boolean;
  clock?: string;
  dutyCycle?: string;
  radio?: string;
  /** --no-heap-limit: false lets the heap grow past an ESP32's 110 KB (VirtualBoardOptions.enforceHeap). */
  heapLimit?: boolean;
  /** Embedded broker port to try first (the CLI's default, 1883, for the demo); busy → any. */
  port?: number;
}

export function registerSimCommands(program: Command): void {
  program
    .command('sim')
    .description('run a fleet of virtual ESP32 boards (real MicroPython in worker threads)')
    .option('-n, --boards <count>', 'number of boards', '3')
    .option('-b, --broker <url>', 'broker URL (mqtt://host:port or mqtts://host:port); default: an embedded broker on 127.0.0.1')
    .option('-d, --dir <dir>', 'state directory of the fleet (one sub-directory per board)', '.state/sim')
    .option('--fresh', 'wipe the fleet directory first: new boards, new credentials')
    .option('--firmware <dir>', 'firmware files copied onto new boards (default: the board/ directory)')
    .option('--ca <file>', 'CA certificate (PEM or DER) the boards use to verify an mqtts:// broker')
    .option('-q, --quiet', 'do not print the boards\' serial output (it is still in each serial.log)')
    .option('--duty-cycle <period:awake>', 'battery boards: sleep PERIOD seconds, then stay awake AWAKE seconds (deep sleep between wakes)')
    .option('--clock <when>', 'what the boards\' clocks read at power-on: 2000 (as an ESP32), host, or an ISO date', '2000')
    .option('--radio <profile>', 'what a wake costs: esp32 (bootloader check, Wi-Fi scan, DHCP as measured on ESP32s) or instant', 'esp32')
    .option('--no-heap-limit', 'let the MicroPython heap grow past an ESP32\'s 110 KB (by default, MemoryError as on a board without PSRAM; see docs/virtual-board.md)')
    .action((opts: SimOptions) => runSim(opts));
  program
    .command('demo')
    .description('what `npm start` runs: an embedded broker and a demo fleet of 3 virtual boards, one of them ending in safe mode')
    .option('-d, --dir <dir>', 'state directory of the demo fleet', '.state/demo')
    .option('--fresh', 'start the demo from scratch')
    .option('-q, --quiet', 'do not print the boards\' serial output')
    .action((opts: { dir: string; fresh?: boolean; quiet?: boolean }) =>
      runSim({
        ...opts,
        boards: String(DEMO_BOARD_COUNT),
        port: 1883,
        // The same fleet as the console's demo: sim-03 runs a broken app and ends in safe mode.
        ...DEMO_BOARD_CONFIG,
      }),
    );
}

async function runSim(opts: SimOptions): Promise<void> {
  const count = Number(opts.boards);
  const dir = path.resolve(opts.dir);
  const external = opts.broker ? parseBrokerUrl(opts.broker) : undefined;
  const caDer = opts.ca ? readCaAsDer(opts.ca) : undefined;
  if (external?.tls && !caDer) throw new Error('an mqtts:// broker needs --ca <file>: the boards verify the broker certificate');
  const fleet = VirtualFleet.open({
    dir,
    count,
    firmwareDir: path.resolve(opts.firmware ?? simPaths().boardDir),
    ...(opts.fresh && { fresh: true }),
    ...((opts.boardConfig || opts.dutyCycle) && { boardConfig: { ...opts.boardConfig, ...(opts.dutyCycle && { sleep: parseDutyCycle(opts.dutyCycle) }) } }),
    ...(opts.boardConfigFor && { boardConfigFor: opts.boardConfigFor }),
    ...(opts.clock && { clockAtPowerOn: parseClock(opts.clock) }),
    ...(opts.radio && { radio: parseRadio(opts.radio) }),
    ...(opts.heapLimit === false && { enforceHeap: false }),
  });
  let embedded: Awaited<ReturnType<typeof startEmbeddedBroker>> | undefined;
  let broker: FleetBroker;
  if (external) {
    broker = external;
    console.error(`mqboard sim: ${count} boards → ${opts.broker}; the broker must accept the users in ${path.join(dir, 'fleet.json')}`);
  } else {
    const consoleUser = consoleCredentials(dir);
    const users = { ...fleet.brokerUsers(), [consoleUser.user]: consoleUser.password };
    const start = (port: number) => startEmbeddedBroker({ users, acl: 'prefix', admins: [consoleUser.user], port });
    const started = await start(opts.port ?? 0).catch((e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? start(0) : Promise.reject(e)));
    embedded = started;
    broker = { host: '127.0.0.1', port: started.port, tls: false };
    console.error(`mqboard sim: embedded broker on ${started.url} (board credentials in ${path.join(dir, 'fleet.json')})`);
    // How to point the mqboard CLI at this broker; the password stays in a file only you can read.
    const server = started.port === 1883 ? '' : `MQBOARD_SERVER=${started.url} `;
    console.error(`mqboard sim: to manage the boards from another terminal:\n  export ${server}MQBOARD_USER=${consoleUser.user} MQBOARD_PASSWORD="$(cat ${consoleUser.file})"\n  npx mqboard fleet`);
  }
  await fleet.knowHost(broker.host);
  fleet.configure({ ...broker, ntp: await fleet.startTimeServer() }, caDer);
  if (!opts.quiet) {
    for (const b of fleet.boards) {
      let partial = '';
      b.on('serial', (text) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) process.stdout.write(`[${b.id}] ${line}\n`);
      });
    }
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    stopping = true;
    console.error(`\nmqboard sim: ${signal}: stopping ${fleet.boards.length} boards...`);
    await fleet.stop();
    await embedded?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await fleet.start();
  console.error(`mqboard sim: ${fleet.boards.length} boards running (Ctrl-C to stop): ${fleet.records.map((r) => r.prefix).join(', ')}`);
}

/** The console's user on the embedded broker: not confined to a prefix; its password kept in the fleet directory. */
function consoleCredentials(dir: string): { user: string; password: string; file: string } {
  const file = path.join(dir, 'console-password');
  let password = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (!password) {
    password = randomBytes(12).toString('base64url');
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  }
  return { user: 'console', password, file };
}

/** `--duty-cycle PERIOD:AWAKE` (seconds) → the board's `sleep` setting. */
export function parseDutyCycle(text: string): { period: number; awake: number } {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  const period = Number(m?.[1]);
  const awake = Number(m?.[2]);
  if (!m || period < 1 || awake < 1 || period > 86_400 * 7 || awake > 3600) {
    throw new Error(`--duty-cycle must be PERIOD:AWAKE in seconds, e.g. 10:2 (period 1 s to 7 days, awake 1 to 3600 s; got "${text}")`);
  }
  return { period, awake };
}

/** `--clock`: 2000 (an ESP32 after power-on), host, or a date; Unix ms or 'host'. */
export function parseClock(text: string): number | 'host' {
  if (text === 'host') return 'host';
  if (text === '2000') return ESP32_POWER_ON_CLOCK_MS;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new Error(`--clock must be 2000, host or a date such as 2026-01-01T00:00:00Z (got "${text}")`);
  return ms;
}

function readCaAsDer(file: string): Uint8Array {
  const data = fs.readFileSync(file);
  const text = data.toString('latin1');
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(text);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : data;
}

function parseRadio(value: string): RadioProfile {
  if (value === 'esp32' || value === 'instant') return value;
  throw new Error(`--radio must be esp32 or instant, not "${value}"`);
}
