// Battery boards: per board, the commands that wait for its next wake (main's wake queue, as
// `queue.changed` reports it), and the outcome of the last one that ended.
import { create } from 'zustand';
import type { QueuedCommand } from '../../src-main/common/contract.js';
import type { BoardKey } from '../lib/board-key.js';

export interface WakeOutcome {
  label: string;
  ok: boolean;
  cancelled?: boolean;
  text: string;
}

export interface WakeState {
  queued: Record<BoardKey, QueuedCommand[] | undefined>;
  /** Queue ids this window asked to cancel (the button shows "Cancelling…"). */
  cancelling: ReadonlySet<string>;
  last: Record<BoardKey, WakeOutcome | undefined>;
  setQueued(key: BoardKey, commands: QueuedCommand[]): void;
  setCancelling(id: string, on: boolean): void;
  setLast(key: BoardKey, outcome: WakeOutcome): void;
}

export const useWake = create<WakeState>()((set) => ({
  queued: {},
  cancelling: new Set(),
  last: {},
  setQueued: (key, commands) => set((s) => ({ queued: { ...s.queued, [key]: commands } })),
  setCancelling: (id, on) =>
    set((s) => {
      const next = new Set(s.cancelling);
      if (on) next.add(id);
      else next.delete(id);
      return { cancelling: next };
    }),
  setLast: (key, outcome) => set((s) => ({ last: { ...s.last, [key]: outcome } })),
}));
