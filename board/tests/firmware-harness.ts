// Test harness: virtual boards running the real board/ firmware against a test broker, with a
// console-side mqtt.js peer that can see everything under the boards' prefixes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { BrokerKind, TestBroker } from '../../src-main/testing/brokers.js';
import { startTestBroker } from '../../src-main/testing/brokers.js';
import { VirtualFleet } from '../../src-main/sim/fleet.js';
import type { FleetBroker } from '../../src-main/sim/fleet.js';
import type { RadioProfile } from '../../src-main/sim/radio-timing.js';
import { makeTempDir } from '../../src-main/sim/test-boards.js';
import type { VirtualBoard } from '../../src-main/sim/virtual-board.js';
import { BOARD_DIR } from './board-files.js';
import { until } from '../../src-main/testing/until.js';

export { until };

export interface FirmwareRig {
  broker: TestBroker;
  fleet: VirtualFleet;
  boards: VirtualBoard[];
  prefixes: string[];
  peer: MqttClient;
  /** Messages seen by the peer, in arrival order. */
  seen: Array<{ topic: string; payload: Buffer; retain: boolean; dup: boolean }>;
  close(): Promise<void>;
}

/** Fast watchdog settings so tests see healthy boots and resets within seconds. */
export const FAST_WATCHDOG = { timeout: 6, allok: 3, revert: true };

export interface RigOptions {
  kind?: BrokerKind;
  count?: number;
  boardConfig?: Record<string, unknown>;
  /** Settings for one board (by index), on top of boardConfig. */
  boardConfigFor?: (index: number) => Record<string, unknown>;
  /** Extra files on every board's flash (path → contents), e.g. apps in /src. */
  files?: Record<string, string>;
  tls?: boolean;
  /** Broker address the boards use (default: the broker itself), e.g. a fault proxy. */
  boardBroker?: (broker: TestBroker) => FleetBroker | Promise<FleetBroker>;
  /** Passed to the test broker (see TestBrokerOptions.maxQueuedMessages). */
  maxQueuedMessages?: number;
  /** What a wake costs (default 'instant': these tests are about the firmware, not the radio). */
  radio?: RadioProfile;
  /** What time.ticks_ms() reads when a board starts, e.g. near its 2^30 ms wrap. */
  ticksAtStart?: number;
  /** The boards' ESP32 heap (default: enforced; false lets it grow, VirtualBoardOptions.enforceHeap). */
  enforceHeap?: boolean;
}

export async function startRig(opts: RigOptions = {}): Promise<FirmwareRig> {
  const dir = makeTempDir('mqboard-fw-');
  const fleet = VirtualFleet.open({
    dir, count: opts.count ?? 1, firmwareDir: BOARD_DIR, radio: opts.radio ?? 'instant',
    ...(opts.ticksAtStart !== undefined && { ticksAtStart: opts.ticksAtStart }),
    ...(opts.enforceHeap !== undefined && { enforceHeap: opts.enforceHeap }),
    boardConfig: { watchdog: FAST_WATCHDOG, status_interval: 30, ...opts.boardConfig },
    ...(opts.boardConfigFor && { boardConfigFor: opts.boardConfigFor }),
  });
  const users = { ...fleet.brokerUsers(), console: 'console-pw' };
  const broker = await startTestBroker(opts.kind ?? 'aedes', { users, ...(opts.tls && { tls: true }), ...(opts.maxQueuedMessages !== undefined && { maxQueuedMessages: opts.maxQueuedMessages }) });
  const address: FleetBroker = (await opts.boardBroker?.(broker)) ?? (opts.tls
    ? { host: 'localhost', port: broker.tlsPort!, tls: true }
    : { host: '127.0.0.1', port: broker.port, tls: false });
  let caDer: Uint8Array | undefined;
  if (opts.tls) {
    const { getTestCa } = await import('../../src-main/testing/test-ca.js');
    caDer = (await getTestCa()).ca.certDer;
  }
  fleet.configure({ ...address, ntp: await fleet.startTimeServer() }, caDer);
  for (const b of fleet.boards) {
    for (const [file, contents] of Object.entries(opts.files ?? {})) {
      const target = path.join(b.state.flashDir, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, contents);
    }
  }
  const peer = await mqtt.connectAsync(broker.url, { username: 'console', password: 'console-pw', clientId: `console-${process.pid}` });
  const seen: FirmwareRig['seen'] = [];
  peer.on('message', (topic, payload, packet) => seen.push({ topic, payload, retain: packet.retain, dup: packet.dup }));
  await peer.subscribeAsync('sim/#', { qos: 1 });
  return {
    broker, fleet, peer, seen,
    boards: fleet.boards,
    prefixes: fleet.records.map((r) => r.prefix),
    async close() {
      await fleet.stop();
      await peer.endAsync(true);
      await broker.close();
    },
  };
}

export type BoardStatus = Record<string, unknown> & { online: boolean };

/** The latest status message the peer saw for a prefix. */
export function lastStatus(rig: FirmwareRig, prefix: string): BoardStatus | undefined {
  const msgs = rig.seen.filter((m) => m.topic === `${prefix}/mqb/status` && m.payload.length > 0);
  const last = msgs[msgs.length - 1];
  return last ? (JSON.parse(last.payload.toString()) as BoardStatus) : undefined;
}

export function logLines(rig: FirmwareRig, prefix: string): string[] {
  return rig.seen.filter((m) => m.topic === `${prefix}/log`).map((m) => m.payload.toString());
}

/** Waits until the board's watchdog declared the boot healthy ("all OK"). */
export function untilHealthy(board: VirtualBoard, timeoutMs = 15_000): Promise<true> {
  return until('healthy boot', async () => (await board.probeJson<boolean>('mqb_launch.board.watchdog.healthy')) === true || undefined, timeoutMs);
}
