// Board actions outside the file tree and the terminal: reboot (normal, safe, ...) and the crash
// log. The outcome is kept per board and shown beside the buttons that started it.
import { splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { useFleet } from '../stores/fleet-store.js';
import { errorText, request } from './api.js';
import { boardSleeps, queueCommand } from './wake.js';

export type ResetMode = 'normal' | 'safe' | 'soft' | 'hard';

const RESET_TEXT: Record<ResetMode, string> = {
  normal: 'Rebooting normally…',
  safe: 'Rebooting into safe mode…',
  soft: 'Soft reset…',
  hard: 'Hard reset…',
};

export async function resetBoard(key: BoardKey, mode: ResetMode): Promise<void> {
  if (boardSleeps(key)) return queueCommand(key, { kind: 'reset', mode }, mode === 'safe' ? 'Reboot in safe mode' : 'Reboot');
  const { profileId, prefix } = splitBoardKey(key);
  useFleet.getState().setBoardAction(key, { busy: `reset-${mode}` });
  try {
    await request('board.reset', { profileId, prefix, mode });
    useFleet.getState().setBoardAction(key, { done: RESET_TEXT[mode] });
  } catch (e) {
    useFleet.getState().setBoardAction(key, { error: `Reboot failed: ${errorText(e)}` });
  }
}

/** Reboots several boards at once (bulk action of the dashboard). */
export async function resetBoards(keys: readonly BoardKey[], mode: ResetMode): Promise<void> {
  await Promise.all(keys.map((k) => resetBoard(k, mode)));
}

export async function loadCrashLog(key: BoardKey): Promise<void> {
  const { profileId, prefix } = splitBoardKey(key);
  const prev = useFleet.getState().crashlogs[key];
  useFleet.getState().setCrashLog(key, { loading: true, records: prev?.records });
  try {
    const records = await request('board.crashlog', { profileId, prefix });
    useFleet.getState().setCrashLog(key, { loading: false, records });
  } catch (e) {
    useFleet.getState().setCrashLog(key, { loading: false, records: prev?.records, error: errorText(e) });
  }
}

export async function clearCrashLog(key: BoardKey): Promise<void> {
  if (boardSleeps(key)) return queueCommand(key, { kind: 'crashlogClear' }, 'Clearing the crash log');
  const { profileId, prefix } = splitBoardKey(key);
  useFleet.getState().setBoardAction(key, { busy: 'clear-crashlog' });
  try {
    await request('board.crashlog', { profileId, prefix, clear: true });
    useFleet.getState().setCrashLog(key, { loading: false, records: [] });
    useFleet.getState().setBoardAction(key, { done: 'Crash log cleared.' });
  } catch (e) {
    useFleet.getState().setBoardAction(key, { error: `Clearing the crash log failed: ${errorText(e)}` });
  }
}
