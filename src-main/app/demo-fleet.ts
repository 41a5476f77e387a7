// The demo: an embedded broker on loopback and 3 virtual boards, one of them running a broken app
// so that it ends up in safe mode (`mqboard demo`, and the console's default when no broker
// profile is configured). The console gets its own broker user that sees the whole fleet, while
// each board stays confined to its own prefix.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { startEmbeddedBroker } from '../core/embedded-broker.js';
import type { EmbeddedBroker } from '../core/embedded-broker.js';
import type { FleetOptions } from '../sim/fleet.js';
import { VirtualFleet } from '../sim/fleet.js';
import { simPaths } from '../sim/sim-paths.js';

export const DEMO_BOARD_COUNT = 3;

/** Every demo board blinks; sim-03 also runs a module that crashes, so after two failed boots it comes up in safe mode. */
export const DEMO_BOARD_CONFIG: Pick<FleetOptions, 'boardConfig' | 'boardConfigFor'> = {
  boardConfig: { modules: { blinky: { pin: 2, period_ms: 1000 } }, watchdog: { timeout: 120, allok: 20, revert: false } },
  boardConfigFor: (i) => (i === 2 ? { modules: { faulty: {}, blinky: { pin: 2, period_ms: 250 } } } : {}),
};

export interface DemoFleetOptions {
  dir: string;
  fresh?: boolean;
  /** Each line a board prints on its serial console. */
  onSerial?: (boardId: string, line: string) => void;
}

export interface DemoFleet {
  fleet: VirtualFleet;
  broker: EmbeddedBroker;
  /** The console's broker account (random password per run, never written anywhere). */
  console: { url: string; username: string; password: string };
  stop(): Promise<void>;
}

export const DEMO_CONSOLE_USER = 'mqboard-console';

/** Provisions (or reopens) the demo fleet, starts the broker and powers the boards on. */
export async function startDemoFleet(opts: DemoFleetOptions): Promise<DemoFleet> {
  const fleet = VirtualFleet.open({
    dir: path.resolve(opts.dir),
    count: DEMO_BOARD_COUNT,
    firmwareDir: simPaths().boardDir,
    ...(opts.fresh && { fresh: true }),
    ...DEMO_BOARD_CONFIG,
  });
  const password = randomBytes(18).toString('base64url');
  const broker = await startEmbeddedBroker({ users: { ...fleet.brokerUsers(), [DEMO_CONSOLE_USER]: password }, acl: 'prefix', admins: [DEMO_CONSOLE_USER] });
  fleet.configure({ host: '127.0.0.1', port: broker.port, tls: false, ntp: await fleet.startTimeServer() });
  if (opts.onSerial) {
    for (const b of fleet.boards) {
      let partial = '';
      b.on('serial', (text) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) opts.onSerial!(b.id, line);
      });
    }
  }
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await fleet.stop();
      await broker.close();
    })());
  try {
    await fleet.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { fleet, broker, console: { url: broker.url, username: DEMO_CONSOLE_USER, password }, stop };
}
