// Board actions built from several protocol steps: reset in a mode (v2 `reset`, or machine.reset()
// through eval on a version-1 board), and the OTA decisions (confirm the running image, roll back).
import { MqbError } from '../common/errors.js';
import { decodeText } from '../common/protocol.js';
import type { TransferBoard } from '../core/ota-engine.js';

export type ResetMode = 'normal' | 'safe' | 'soft' | 'hard';

export async function resetBoard(board: TransferBoard & { has?(cap: string): boolean }, mode: ResetMode, signal?: AbortSignal): Promise<void> {
  const opt = signal ? { signal } : {};
  if (board.caps.includes('reset')) {
    try {
      const reply = decodeText(await board.request('reset', { payload: mode, ...opt })).trim();
      if (reply !== 'OK') throw new MqbError('PROTOCOL', `reset answered "${reply.slice(0, 80)}"`);
    } catch (e) {
      // Gone before the OK came back: it did what was asked.
      if (!(e instanceof MqbError && e.code === 'BOARD_RESET')) throw e;
    }
    return;
  }
  if (mode !== 'hard' && mode !== 'soft') {
    throw new MqbError('UNSUPPORTED', `${board.prefix} speaks protocol v${board.proto}: only "hard" and "soft" resets are possible`);
  }
  // A version-1 board resets inside the eval and never answers: a timeout or the reset is success.
  const code = mode === 'hard' ? 'import machine\nmachine.reset()' : 'import machine\nmachine.soft_reset()';
  try {
    await board.request('eval', { payload: code, timeoutMs: 3_000, ...opt });
  } catch (e) {
    if (!(e instanceof MqbError && (e.code === 'TIMEOUT' || e.code === 'BOARD_RESET'))) throw e;
  }
}

/** Marks the running image good (no rollback at the next reset), as a healthy boot would. */
export async function confirmImage(board: TransferBoard, signal?: AbortSignal): Promise<void> {
  await board.request('eval', { payload: 'from esp32 import Partition\nPartition.mark_app_valid_cancel_rollback()', ...(signal && { signal }) });
}

/**
 * Boots the previous image: a still unconfirmed image is rolled back by the bootloader at the next
 * reset; a confirmed one is replaced by pointing the boot partition back at the other slot.
 */
export async function rollbackImage(board: TransferBoard, pendingVerify: boolean, signal?: AbortSignal): Promise<void> {
  if (!pendingVerify) {
    const code = 'from esp32 import Partition\nPartition(Partition.RUNNING).get_next_update().set_boot()';
    await board.request('eval', { payload: code, ...(signal && { signal }) });
  }
  await resetBoard(board, 'hard', signal);
}
