// The firmware under the enforced heap of an ESP32 without PSRAM (110 KB, MemoryError past it):
// it boots healthy with the framework provisioned as .mpy, keeps half the heap free when idle,
// and takes a 64 KB put (both brokers).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/core/engine.js';
import { putFile } from '../../src-main/core/file-transfer.js';
import { OtaEngine } from '../../src-main/core/ota-engine.js';
import { buildAppImage } from '../../src-main/sim/firmware-image-builder.js';
import type { BoardClient } from '../../src-main/core/board-client.js';
import type { VirtualBoard } from '../../src-main/sim/virtual-board.js';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { FirmwareRig } from './firmware-harness.js';
import { startRig, untilHealthy } from './firmware-harness.js';

describe.each(BROKER_KINDS)('firmware under the enforced 110 KB heap on %s', (kind) => {
  let rig: FirmwareRig;
  let board: VirtualBoard;
  let engine: Engine;
  let client: BoardClient;

  beforeAll(async () => {
    rig = await startRig({ kind, enforceHeap: true });
    board = rig.boards[0]!;
    await rig.fleet.start();
    await untilHealthy(board);
    engine = new Engine();
    await engine.connect({ id: 't', name: 't', url: rig.broker.url, username: 'console', password: 'console-pw' }, { discover: false });
    client = (await engine.openBoard('t', rig.prefixes[0]!, { waitMs: 5000, timeoutMs: 5000, force: true })).client;
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    await rig?.close();
  });

  it('boots healthy with the framework as .mpy and keeps more than 40 KB free', async () => {
    expect(await board.probeJson<string>('__import__("mqb_mqtt").__file__')).toMatch(/\.mpy$/);
    await board.probe('import gc');
    expect(await board.probeJson<number>('gc.mem_free()')).toBeGreaterThan(40 * 1024);
  });

  it('takes a 64 KB put, verified by the board', async () => {
    const data = randomBytes(64 * 1024);
    const put = await putFile(client, '/blob.bin', data);
    expect(put).toMatchObject({ bytes: 64 * 1024, verified: 'board' });
    expect(await board.probeJson<boolean>('mqb_launch.board.watchdog.healthy')).toBe(true);
  });

  it('takes a 400 KB OTA in one attempt, without a watchdog reset', async () => {
    const image = buildAppImage({ version: `v9.5.0-${kind}`, projectName: 'mqboard', totalSize: 400_000 });
    const boots: number[] = [];
    const onBoot = (cause: number) => void boots.push(cause);
    board.on('boot', onBoot);
    board.resetHeapPeak();
    try {
      const [r] = await new OtaEngine().start([{ board: client, image }], { attempts: 1, timeoutMs: 10_000 });
      expect(r).toMatchObject({ ok: true, attempts: 1, resumedFrom: 0 });
    } finally {
      board.off('boot', onBoot);
    }
    expect(boots).toEqual([]);
    expect(await board.probeJson<boolean>('mqb_launch.board.watchdog.healthy')).toBe(true);
  }, 60_000);
});
