// REPL sessions (tty.*). Output streams to the terminal that is attached, and into a bounded
// transcript so a terminal re-mounted later (switching tabs) shows what happened meanwhile.
import type { EventOf } from '../../src-main/common/contract.js';
import { TerminalFilter, terminalText } from '../../src-main/common/terminal-text.js';
import { splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { useTty } from '../stores/tty-store.js';
import { errorText, request } from './api.js';

export type TtyWriter = (kind: 'out' | 'prompt' | 'end', text: string) => void;

const TRANSCRIPT_MAX = 256 * 1024;
const histories = new Map<BoardKey, readonly string[]>();
const sessionKeys = new Map<string, BoardKey>();
const transcripts = new Map<BoardKey, string>();
const writers = new Map<BoardKey, TtyWriter>();
// Board output is untrusted: colours and cursor movement reach xterm, OSC (title, clipboard
// write, links) and the like arrive escaped. One stream filter per board's session.
const filters = new Map<BoardKey, TerminalFilter>();
// Output for a session whose tty.open reply has not arrived yet (events can overtake replies).
const early = new Map<string, EventOf<'tty.output'>[]>();

function record(key: BoardKey, text: string): void {
  let t = (transcripts.get(key) ?? '') + text;
  if (t.length > TRANSCRIPT_MAX) t = t.slice(t.length - TRANSCRIPT_MAX);
  transcripts.set(key, t);
}

export function transcriptOf(key: BoardKey): string {
  return transcripts.get(key) ?? '';
}

/** The board's input history, kept for the window's lifetime (terminals come and go with tabs). */
export const historyOf = (key: BoardKey): readonly string[] => histories.get(key) ?? [];
export const saveHistory = (key: BoardKey, h: readonly string[]): void => void histories.set(key, h);

/** What the terminal echoed locally (typed input): part of the transcript too. */
export const recordEcho = record;

export function attachTerminal(key: BoardKey, writer: TtyWriter): () => void {
  writers.set(key, writer);
  return () => {
    if (writers.get(key) === writer) writers.delete(key);
  };
}

function filtered(key: BoardKey, ev: EventOf<'tty.output'>): string {
  let f = filters.get(key);
  if (!f) filters.set(key, (f = new TerminalFilter()));
  if (ev.kind === 'out') return f.push(ev.text);
  if (ev.kind === 'prompt') return terminalText(ev.text);
  filters.delete(key);
  const rest = f.end(); // an unfinished sequence, shown escaped before the end
  if (rest) {
    record(key, rest);
    writers.get(key)?.('out', rest);
  }
  return terminalText(ev.text);
}

function deliver(key: BoardKey, raw: EventOf<'tty.output'>): void {
  const ev = { ...raw, text: filtered(key, raw) };
  if (ev.kind === 'out') record(key, ev.text);
  if (ev.kind === 'prompt') useTty.getState().patchSession(key, { prompt: ev.text });
  if (ev.kind === 'end') {
    record(key, `\n${ev.text || 'session ended'}\n`);
    sessionKeys.delete(ev.sessionId);
    useTty.getState().patchSession(key, { state: 'ended', prompt: '', sessionId: undefined });
  }
  writers.get(key)?.(ev.kind, ev.text);
}

export function onTtyOutput(ev: EventOf<'tty.output'>): void {
  const key = sessionKeys.get(ev.sessionId);
  if (key) deliver(key, ev);
  else {
    const list = early.get(ev.sessionId) ?? [];
    if (list.length < 1000) list.push(ev);
    early.set(ev.sessionId, list);
  }
}

export async function openSession(key: BoardKey): Promise<void> {
  const cur = useTty.getState().sessions[key];
  if (cur && (cur.state === 'open' || cur.state === 'opening')) return;
  const { profileId, prefix } = splitBoardKey(key);
  useTty.getState().setSession(key, { state: 'opening', prompt: '' });
  try {
    const { sessionId } = await request('tty.open', { profileId, prefix });
    sessionKeys.set(sessionId, key);
    useTty.getState().setSession(key, { state: 'open', sessionId, prompt: '' });
    for (const ev of early.get(sessionId) ?? []) deliver(key, ev);
    early.delete(sessionId);
  } catch (e) {
    useTty.getState().setSession(key, { state: 'error', prompt: '', error: errorText(e) });
  }
}

function sessionOf(key: BoardKey): string | undefined {
  const s = useTty.getState().sessions[key];
  return s?.state === 'open' ? s.sessionId : undefined;
}

async function guarded(key: BoardKey, run: (sessionId: string) => Promise<unknown>): Promise<void> {
  const sessionId = sessionOf(key);
  if (!sessionId) return;
  try {
    await run(sessionId);
  } catch (e) {
    const msg = `\n[${errorText(e)}]\n`;
    record(key, msg);
    writers.get(key)?.('out', msg);
  }
}

/** Sends input; the prompt is cleared until the board asks for more. */
export function sendInput(key: BoardKey, text: string): Promise<void> {
  useTty.getState().patchSession(key, { prompt: '' });
  return guarded(key, (sessionId) => request('tty.input', { sessionId, text }));
}

/** Ctrl-C. The board always answers with a prompt (a new one, or the interrupted statement's):
 * until then the terminal is busy, so the status must not say "Ready". */
export function interrupt(key: BoardKey): Promise<void> {
  useTty.getState().patchSession(key, { prompt: '' });
  return guarded(key, (sessionId) => request('tty.interrupt', { sessionId }));
}

export async function complete(key: BoardKey, line: string): Promise<{ prefix: string; matches: string[] } | undefined> {
  const sessionId = sessionOf(key);
  if (!sessionId) return undefined;
  try {
    return await request('tty.complete', { sessionId, line });
  } catch {
    return undefined; // completion is a convenience: a failure just completes nothing
  }
}

export async function closeSession(key: BoardKey): Promise<void> {
  const s = useTty.getState().sessions[key];
  useTty.getState().setSession(key, undefined);
  transcripts.delete(key);
  filters.delete(key);
  if (s?.sessionId) {
    sessionKeys.delete(s.sessionId);
    try {
      await request('tty.close', { sessionId: s.sessionId });
    } catch {
      // Already closed on the board (idle timeout, reset): nothing to do.
    }
  }
}

/** Starts a fresh session after the previous one ended. */
export async function restartSession(key: BoardKey): Promise<void> {
  await closeSession(key);
  await openSession(key);
}
