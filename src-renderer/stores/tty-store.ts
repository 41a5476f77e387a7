// REPL sessions, one per open board terminal. The output itself does not go through the store
// (it streams straight into xterm.js, see services/tty.ts); the store says what the UI shows
// around it: opening, running (no prompt yet), waiting for input, ended.
import { create } from 'zustand';
import type { BoardKey } from '../lib/board-key.js';

export interface TtySessionState {
  sessionId?: string;
  state: 'opening' | 'open' | 'ended' | 'error';
  /** The prompt the board last sent ('>>> ' or '... '); '' while a statement runs. */
  prompt: string;
  error?: string;
}

export interface TtyState {
  sessions: Record<BoardKey, TtySessionState | undefined>;
  setSession(key: BoardKey, s: TtySessionState | undefined): void;
  patchSession(key: BoardKey, patch: Partial<TtySessionState>): void;
}

export const useTty = create<TtyState>()((set) => ({
  sessions: {},
  setSession: (key, session) => set((s) => ({ sessions: { ...s.sessions, [key]: session } })),
  patchSession: (key, patch) =>
    set((s) => {
      const cur = s.sessions[key];
      return cur ? { sessions: { ...s.sessions, [key]: { ...cur, ...patch } } } : {};
    }),
}));
