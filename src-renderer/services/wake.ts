// Battery boards: commands for a board that sleeps are queued in main until its next wake (shown
// as "queued until wake" with a Cancel), their outcome arrives as `queue.result`; "stay awake"
// keeps a board up for interactive work (now, or from its next wake).
import { isSleeping } from '../../src-main/common/board-state.js';
import type { EventOf, WakeCommand } from '../../src-main/common/contract.js';
import { boardKey, splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { useFleet } from '../stores/fleet-store.js';
import { useWake } from '../stores/wake-store.js';
import { errorText, request } from './api.js';

/** The board sleeps now (asleep or overdue): commands for it wait for its wake. */
export function boardSleeps(key: BoardKey): boolean {
  const b = useFleet.getState().boards.get(key);
  return !!b && isSleeping(b.state);
}

export function onQueueChanged(ev: EventOf<'queue.changed'>): void {
  useWake.getState().setQueued(boardKey(ev.profileId, ev.prefix), ev.commands);
}

export function onQueueResult(ev: EventOf<'queue.result'>): void {
  const key = boardKey(ev.profileId, ev.prefix);
  const text = ev.ok ? `${ev.label}: done at the wake${ev.output ? `: ${ev.output.trim().slice(0, 200)}` : ''}` : ev.cancelled ? `${ev.label}: cancelled` : `${ev.label} failed: ${ev.error ?? 'unknown error'}`;
  useWake.getState().setLast(key, { label: ev.label, ok: ev.ok, ...(ev.cancelled && { cancelled: true }), text });
  // Started from a board action (reboot, clear the crash log): its outcome shows where it was started.
  useFleet.getState().setBoardAction(key, ev.ok || ev.cancelled ? { done: text } : { error: text });
}

/** Queues a command for the board's wake; the outcome comes with `queue.result`. */
export async function queueCommand(key: BoardKey, command: WakeCommand, what: string): Promise<void> {
  const { profileId, prefix } = splitBoardKey(key);
  try {
    await request('queue.add', { profileId, prefix, command });
    useFleet.getState().setBoardAction(key, { done: `${what} queued until wake` });
  } catch (e) {
    useFleet.getState().setBoardAction(key, { error: `${what} could not be queued: ${errorText(e)}` });
  }
}

export async function cancelQueued(id: string): Promise<void> {
  useWake.getState().setCancelling(id, true);
  try {
    await request('queue.cancel', { queueId: id });
  } catch {
    // It started (or ended) meanwhile: its result says how it went.
  } finally {
    useWake.getState().setCancelling(id, false);
  }
}

export async function stayAwake(key: BoardKey, minutes: number): Promise<void> {
  const { profileId, prefix } = splitBoardKey(key);
  useFleet.getState().setBoardAction(key, { busy: 'stay-awake' });
  try {
    const r = await request('board.stayAwake', { profileId, prefix, seconds: minutes * 60 });
    const text = minutes === 0 ? 'The board may sleep again' : r.queueId ? `Stay awake ${minutes} min queued until wake` : `Staying awake for ${minutes} min`;
    useFleet.getState().setBoardAction(key, { done: text });
  } catch (e) {
    useFleet.getState().setBoardAction(key, { error: `Stay awake failed: ${errorText(e)}` });
  }
}

/** What waits for the wakes of a profile's boards (after a (re)connect). */
export async function loadQueue(profileId: string): Promise<void> {
  try {
    for (const b of await request('queue.list', { profileId })) useWake.getState().setQueued(boardKey(profileId, b.prefix), b.commands);
  } catch {
    // Not fatal: the next queue.changed brings it.
  }
}
