// The board's REPL: session state, interrupt and restart around the terminal itself.
import { useEffect } from 'react';
import type { BoardKey } from '../lib/board-key.js';
import { interrupt, openSession, restartSession } from '../services/tty.js';
import { useTty } from '../stores/tty-store.js';
import { ErrorNote } from './bits.js';
import { XtermView } from './XtermView.js';

export function TerminalTab({ boardKey, online }: { boardKey: BoardKey; online: boolean }) {
  const session = useTty((s) => s.sessions[boardKey]);
  useEffect(() => {
    if (online) void openSession(boardKey);
  }, [boardKey, online]);

  const state = session?.state ?? (online ? 'opening' : 'offline');
  const status =
    state === 'open' ? (session?.prompt ? 'Ready' : 'Running…') : state === 'opening' ? 'Opening a REPL session…' : state === 'ended' ? 'Session ended' : state === 'error' ? 'No session' : 'Board offline';
  return (
    <>
      <div className="terminal-bar">
        <span data-testid="tty-status" data-state={state}>
          {status}
        </span>
        <span className="grow muted">
          <kbd>↑</kbd>/<kbd>↓</kbd> history · <kbd>Tab</kbd> complete · <kbd>Ctrl</kbd>+<kbd>C</kbd> interrupt · paste runs a block as one input
        </span>
        <button onClick={() => void interrupt(boardKey)} disabled={state !== 'open'} data-testid="tty-interrupt">
          Interrupt
        </button>
        <button onClick={() => void restartSession(boardKey)} disabled={!online || state === 'opening'} data-testid="tty-restart">
          New session
        </button>
      </div>
      {session?.error && <ErrorNote testId="tty-error">{session.error}</ErrorNote>}
      <XtermView boardKey={boardKey} />
    </>
  );
}
