// Test helpers for the file and OTA service: a booted one-board rig with a second console
// connection speaking the original protocol (src-main/testing/v1-client.ts), and helpers to
// reset the board and wait for it.
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { BrokerKind } from '../../src-main/testing/brokers.js';
import { V1Client } from '../../src-main/testing/v1-client.js';
import type { VirtualBoard } from '../../src-main/sim/virtual-board.js';
import type { FirmwareRig, RigOptions } from './firmware-harness.js';
import { lastStatus, startRig, until, untilHealthy } from './firmware-harness.js';

export interface TransferRig {
  rig: FirmwareRig;
  board: VirtualBoard;
  prefix: string;
  /** A separate console connection, so replies are not mixed with the rig peer's. */
  conn: MqttClient;
  client: V1Client;
  close(): Promise<void>;
}

export async function startTransferRig(kind: BrokerKind, opts: RigOptions = {}): Promise<TransferRig> {
  const rig = await startRig({ kind, ...opts });
  const board = rig.boards[0]!;
  const prefix = rig.prefixes[0]!;
  await rig.fleet.start();
  await untilHealthy(board);
  const conn = await mqtt.connectAsync(rig.broker.url, { username: 'console', password: 'console-pw', clientId: `v1-${randomBytes(4).toString('hex')}` });
  return {
    rig, board, prefix, conn,
    client: new V1Client(conn, prefix),
    async close() {
      await conn.endAsync(true);
      await rig.close();
    },
  };
}

/** Waits for the board's next online status after `since` messages, e.g. after a reset. */
export function untilOnlineAgain(t: TransferRig, since: number, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  return until('online again', () => {
    const msgs = t.rig.seen.slice(since).filter((m) => m.topic === `${t.prefix}/mqb/status` && m.payload.length > 0);
    const s = msgs.length ? (JSON.parse(msgs[msgs.length - 1]!.payload.toString()) as Record<string, unknown>) : undefined;
    return s?.online ? s : undefined;
  }, timeoutMs);
}

/** Power back on after a power cut and wait until the board is commandable again. */
export async function powerBackOn(t: TransferRig): Promise<void> {
  const since = t.rig.seen.length;
  await t.board.powerOn();
  await untilOnlineAgain(t, since);
}

export { lastStatus };
