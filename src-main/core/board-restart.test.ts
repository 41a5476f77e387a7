import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { BoardStatus } from '../common/board-status.js';
import { parseBoardStatus } from '../common/board-status.js';
import { encodeText } from '../common/protocol.js';
import type { BoardEntry, FleetRegistryEvents } from './fleet-registry.js';
import { resetAndWait } from './board-restart.js';

const P = 'sim/b1';
const status = (o: Record<string, unknown>): BoardStatus =>
  parseBoardStatus(P, JSON.stringify({ online: true, fw: 'v1.0.0', partition: 'ota_0', boots: 3, uptime: 100, pending_verify: false, proto: 2, caps: ['reset'], ...o }))!;

class FakeRegistry extends EventEmitter<FleetRegistryEvents> {
  entry: BoardEntry = { prefix: P, status: status({}), lastSeen: 0, state: { state: 'online' } };
  get(prefix: string) {
    return prefix === P ? this.entry : undefined;
  }
  publish(o: Record<string, unknown>) {
    this.entry = { ...this.entry, status: status(o) };
    this.emit('board-changed', this.entry);
  }
}

/** A board that answers reset with OK, then runs `after` (the statuses of its reboot). */
function board(registry: FakeRegistry, after: Array<Record<string, unknown>>) {
  const sent: string[] = [];
  return {
    sent,
    prefix: P,
    caps: ['eval', 'reset'],
    request: async (cmd: string) => {
      sent.push(cmd);
      setTimeout(() => after.forEach((o, i) => setTimeout(() => registry.publish(o), i * 5)), 5);
      return encodeText('OK');
    },
  };
}

describe('resetAndWait', () => {
  it('reports the board as it comes back with the new firmware, not the old boot\'s periodic status', async () => {
    const r = new FakeRegistry();
    const b = board(r, [{ uptime: 101 }, { online: false }, { fw: 'v2.0.0', partition: 'ota_1', boots: 4, uptime: 0, pending_verify: true }]);
    const report = await resetAndWait(b, r, { expectPartition: 'ota_1', timeoutMs: 2000 });
    expect(b.sent).toEqual(['reset']);
    expect(report).toMatchObject({ prefix: P, fw: 'v2.0.0', partition: 'ota_1', pendingVerify: true });
    expect(report.confirmed).toBeUndefined();
  });

  it('waits for the confirmation when asked, and says when it does not come', async () => {
    const r = new FakeRegistry();
    const b = board(r, [{ fw: 'v2.0.0', partition: 'ota_1', boots: 4, uptime: 0, pending_verify: true }, { fw: 'v2.0.0', partition: 'ota_1', boots: 4, uptime: 5, pending_verify: false }]);
    expect(await resetAndWait(b, r, { confirmTimeoutMs: 2000 })).toMatchObject({ pendingVerify: false, confirmed: true });
    const r2 = new FakeRegistry();
    const b2 = board(r2, [{ boots: 4, uptime: 0, pending_verify: true }]);
    await expect(resetAndWait(b2, r2, { confirmTimeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/did not confirm the new firmware within 0.1 s/) });
  });

  it('a board that boots its old partition was rolled back', async () => {
    const r = new FakeRegistry();
    const b = board(r, [{ online: false }, { partition: 'ota_0', boots: 4, uptime: 0 }]);
    await expect(resetAndWait(b, r, { expectPartition: 'ota_1' })).rejects.toMatchObject({ code: 'BOARD_ERROR', message: expect.stringMatching(/booted ota_0 .*not ota_1 .*rolled back/) });
  });

  it('a stock image has no version: the board is checked by the image it runs (app_sha), not the version string', async () => {
    const uploaded = 'ab'.repeat(32);
    const r = new FakeRegistry();
    const b = board(r, [{ online: false }, { fw: 'v1.27.0', project: '', micropython: 'v1.27.0 on 2025-12-10', app_sha: uploaded, partition: 'ota_1', boots: 4, uptime: 0 }]);
    expect(await resetAndWait(b, r, { expectPartition: 'ota_1', expectAppSha: uploaded.toUpperCase() })).toMatchObject({ fw: 'v1.27.0', appSha: uploaded, partition: 'ota_1' });
    // Same version string, same partition, but another image: it did not start the upload.
    const r2 = new FakeRegistry();
    const b2 = board(r2, [{ online: false }, { fw: 'v1.27.0', app_sha: 'cd'.repeat(32), partition: 'ota_1', boots: 4, uptime: 0 }]);
    await expect(resetAndWait(b2, r2, { expectPartition: 'ota_1', expectAppSha: uploaded })).rejects.toMatchObject({
      code: 'BOARD_ERROR', message: 'sim/b1 booted ota_1 but runs image cdcdcdcdcdcdcdcd…, not the uploaded abababababababab…',
    });
  });

  it('a board that never comes back is a TIMEOUT', async () => {
    const r = new FakeRegistry();
    const b = board(r, [{ online: false }]);
    await expect(resetAndWait(b, r, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT', message: 'sim/b1 did not come back within 0.1 s of the reset' });
  });
});
