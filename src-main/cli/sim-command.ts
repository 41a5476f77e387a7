// `mqboard sim`: provisions and runs a fleet of virtual boards against a broker (or an embedded
// one on loopback), streaming every board's serial console with its id in front.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { startEmbeddedBroker } from '../core/embedded-broker.js';
import type { FleetBroker } from '../sim/fleet.js';
import { VirtualFleet } from '../sim/fleet.js';
import { simPaths } from '../sim/sim-paths.js';
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
        boards: '3',
        boardConfig: { modules: { blinky: { pin: 2, period_ms: 1000 } }, watchdog: { timeout: 120, allok: 20, revert: false } },
        // sim-03 runs a broken app: after two failed boots it comes up in safe mode.
        boardConfigFor: (i) => (i === 2 ? { modules: { faulty: {}, blinky: { pin: 2, period_ms: 250 } } } : {}),
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
    ...(opts.boardConfig && { boardConfig: opts.boardConfig }),
    ...(opts.boardConfigFor && { boardConfigFor: opts.boardConfigFor }),
  });
  let embedded: Awaited<ReturnType<typeof startEmbeddedBroker>> | undefined;
  let broker: FleetBroker;
  if (external) {
    broker = external;
    console.error(`mqboard sim: ${count} boards → ${opts.broker}; the broker must accept the users in ${path.join(dir, 'fleet.json')}`);
  } else {
    embedded = await startEmbeddedBroker({ users: fleet.brokerUsers(), acl: 'prefix' });
    broker = { host: '127.0.0.1', port: embedded.port, tls: false };
    console.error(`mqboard sim: embedded broker on ${embedded.url} (board credentials in ${path.join(dir, 'fleet.json')})`);
  }
  fleet.configure(broker, caDer);
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

function readCaAsDer(file: string): Uint8Array {
  const data = fs.readFileSync(file);
  const text = data.toString('latin1');
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(text);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : data;
}
