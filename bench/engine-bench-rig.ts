// The engine benchmark's rig: a broker (aedes, mosquitto, or mosquitto with TCP_NODELAY), a fleet
// of virtual boards on it, the console engine with a client per board, and three plain mqtt.js
// clients for the raw references.
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { BoardClient } from '../src-main/core/board-client.js';
import { Engine } from '../src-main/core/engine.js';
import { VirtualFleet } from '../src-main/sim/fleet.js';
import { simPaths } from '../src-main/sim/sim-paths.js';
import { makeTempDir } from '../src-main/sim/test-boards.js';
import type { VirtualBoard } from '../src-main/sim/virtual-board.js';
import type { BrokerKind, TestBroker } from '../src-main/testing/brokers.js';
import { startTestBroker } from '../src-main/testing/brokers.js';
import { startMosquitto } from '../src-main/testing/mosquitto.js';

export type BenchBroker = BrokerKind | 'mosquitto-nodelay';

export interface Rig {
  broker: TestBroker;
  fleet: VirtualFleet;
  engine: Engine;
  boards: BoardClient[];
  pub: MqttClient;
  sub: MqttClient;
  echo: MqttClient;
}

export async function startBenchRig(kind: BenchBroker, count: number, o: { consoleNagle: boolean; log: (msg: string) => void }): Promise<Rig> {
  // A watchdog that does not bite while ten boards share two cores, and rare status messages.
  const fleet = VirtualFleet.open({ dir: makeTempDir('mqboard-bench-'), count, firmwareDir: simPaths().boardDir, boardConfig: { watchdog: { timeout: 300, allok: 10, revert: false }, status_interval: 300 } });
  const users = { ...fleet.brokerUsers(), console: 'console-pw' };
  const broker: TestBroker = kind === 'mosquitto-nodelay'
    ? { kind: 'mosquitto', ...(await startMosquitto({ users, extraConfig: 'set_tcp_nodelay true' })) }
    : await startTestBroker(kind, { users });
  fleet.configure({ host: '127.0.0.1', port: broker.port, tls: false });
  const queue = [...fleet.boards];
  await Promise.all([0, 1, 2].map(async () => {
    for (let b = queue.shift(); b; b = queue.shift()) await powerOnRetrying(b, o.log);
  }));
  const engine = new Engine();
  await engine.connect({ id: 'b', name: 'bench', url: broker.url, username: 'console', password: 'console-pw' }, { discover: false });
  const boards: BoardClient[] = [];
  for (const rec of fleet.records) boards.push((await engine.openBoard('b', rec.prefix, { waitMs: 60_000, timeoutMs: 30_000 })).client);
  const connect = async (id: string) => noDelay(await mqtt.connectAsync(broker.url, { username: 'console', password: 'console-pw', clientId: `bench-${id}-${process.pid}` }));
  // The session's mqtt.js client is private: reached here for the diagnostic only.
  if (o.consoleNagle) setNoDelay((engine.session('b') as unknown as { client: MqttClient }).client, false);
  return { broker, fleet, engine, boards, pub: await connect('pub'), sub: await connect('sub'), echo: await connect('echo') };
}

/**
 * A board whose emulator failed to start is tried again (seen when another process rebuilds
 * dist/main while a worker loads its Python shims, as in bench/sim-bridge.bench.ts).
 */
async function powerOnRetrying(b: VirtualBoard, log: (msg: string) => void): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await b.powerOn();
      if (b.power !== 'halted') return;
      throw new Error('the emulator halted at start');
    } catch (e) {
      if (i >= 3) throw e;
      log(`board ${b.id}: ${(e as Error).message}; powering on again`);
      await b.powerOff().catch(() => undefined);
    }
  }
}

function setNoDelay(c: MqttClient, on: boolean): MqttClient {
  (c.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(on);
  return c;
}

/** The references get the best a plain client can do: every packet sent at once. */
const noDelay = (c: MqttClient) => setNoDelay(c, true);

export async function closeRig(r: Rig): Promise<void> {
  await Promise.all([r.pub.endAsync(true), r.sub.endAsync(true), r.echo.endAsync(true)]);
  await r.engine.close();
  await r.fleet.stop();
  await r.broker.close();
}
