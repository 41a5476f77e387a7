// Log subscriptions (reference counted: the board tab and the merged view may both want a
// board) and the intake of `logs.lines` events, coalesced so the UI re-renders at most every
// FLUSH_MS however many boards are logging.
import type { EventOf, LogLine } from '../../src-main/common/contract.js';
import { boardKey, splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { formatLogLine, makeItem } from '../lib/log-buffer.js';
import type { LogItem } from '../lib/log-buffer.js';
import { useLogs } from '../stores/logs-store.js';
import { errorText, request } from './api.js';
import { saveBytes } from './local-files.js';

export const FLUSH_MS = 100;

const refs = new Map<BoardKey, number>();
let pending: LogItem[] = [];
let timer: ReturnType<typeof setTimeout> | null = null;

function flush(): void {
  timer = null;
  const items = pending;
  pending = [];
  useLogs.getState().append(items);
}

export function onLogLines(ev: EventOf<'logs.lines'>): void {
  const key = boardKey(ev.profileId, ev.prefix);
  if (!refs.has(key)) return; // a late batch after unsubscribe
  for (const l of ev.lines) pending.push(makeItem(key, l));
  timer ??= setTimeout(flush, FLUSH_MS);
}

export async function subscribeLogs(key: BoardKey): Promise<void> {
  const n = refs.get(key) ?? 0;
  refs.set(key, n + 1);
  if (n > 0) return;
  const { profileId, prefix } = splitBoardKey(key);
  useLogs.getState().setSub(key, { state: 'subscribing' });
  try {
    const backlog: LogLine[] = await request('logs.subscribe', { profileId, prefix });
    if (!refs.has(key)) return;
    // Lines that arrived while the backlog was on its way are newer: keep them after it.
    const early = pending.filter((i) => i.key === key);
    pending = pending.filter((i) => i.key !== key);
    useLogs.getState().resetBoard(key, [...backlog.map((l) => makeItem(key, l)), ...early]);
    useLogs.getState().setSub(key, { state: 'on' });
  } catch (e) {
    useLogs.getState().setSub(key, { state: 'error', error: errorText(e) });
  }
}

export async function unsubscribeLogs(key: BoardKey): Promise<void> {
  const n = refs.get(key) ?? 0;
  if (n > 1) {
    refs.set(key, n - 1);
    return;
  }
  refs.delete(key);
  useLogs.getState().setSub(key, undefined);
  const { profileId, prefix } = splitBoardKey(key);
  try {
    await request('logs.unsubscribe', { profileId, prefix });
  } catch {
    // The broker or the board is gone: there is nothing left to unsubscribe from.
  }
}

/** Subscribes again after the link to main came back (main may have restarted). */
export async function resubscribeAllLogs(): Promise<void> {
  const keys = [...refs.keys()];
  await Promise.all(
    keys.map(async (key) => {
      const { profileId, prefix } = splitBoardKey(key);
      try {
        const backlog = await request('logs.subscribe', { profileId, prefix });
        useLogs.getState().resetBoard(key, backlog.map((l) => makeItem(key, l)), false);
        useLogs.getState().setSub(key, { state: 'on' });
      } catch (e) {
        useLogs.getState().setSub(key, { state: 'error', error: errorText(e) });
      }
    }),
  );
}

const fileName = (key: BoardKey) => `${splitBoardKey(key).prefix.replace(/\//g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.log`;

/** Saves a board's whole log (main's archive) as a file. */
export async function exportBoardLog(key: BoardKey): Promise<string | undefined> {
  const { profileId, prefix } = splitBoardKey(key);
  try {
    const r = await request('logs.export', { profileId, prefix });
    saveBytes(fileName(key), r.text, 'text/plain');
    return undefined;
  } catch (e) {
    return errorText(e);
  }
}

/** Saves what a view shows (the merged view has no single archive in main). */
export function exportItems(name: string, items: Iterable<LogItem>, withBoard: boolean): void {
  const lines: string[] = [];
  for (const it of items) lines.push(formatLogLine(it, withBoard));
  saveBytes(name, `${lines.join('\n')}\n`, 'text/plain');
}

/** For tests: forget subscriptions and queued lines. */
export function resetLogService(): void {
  refs.clear();
  pending = [];
  if (timer) clearTimeout(timer);
  timer = null;
}
