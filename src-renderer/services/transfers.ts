// Uploads and downloads as the user sees them: one row per file in the board's transfers, with
// progress (bytes, rate, time left) from main's `transfer.progress` events, a Cancel button, and
// the error where it happened. Main runs transfers in the background: the request only starts
// one and answers with its id, so a long transfer never runs into a request timeout.
import { MAX_TRANSFER_BYTES } from '../../src-main/common/contract.js';
import type { EventOf, FileRef } from '../../src-main/common/contract.js';
import { splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { formatBytes } from '../lib/format.js';
import { baseName } from '../lib/paths.js';
import { boardFiles, useFiles } from '../stores/files-store.js';
import type { Transfer } from '../stores/files-store.js';
import { errorText, request } from './api.js';
import { fileRefOf, saveBytes } from './local-files.js';

type Progress = EventOf<'transfer.progress'>;
export type TransferOutcome = { ok: true } | { ok: false; error: string };

interface Live {
  key: BoardKey;
  id: number;
  finish(last: Progress): void;
}

/** Running transfers by main's id. */
const live = new Map<string, Live>();
/** Events that arrived before the reply carrying their id (bounded: other windows' transfers show up here too). */
const early = new Map<string, Progress>();
const EARLY_MAX = 32;
/** Cancel pressed before main accepted the transfer: sent as soon as the id is known. */
const cancelAsked = new Set<number>();
let ids = 0;

const FINISHED = new Set<string>(['done', 'failed', 'cancelled']);

export function tooLargeText(name: string, size: number): string {
  return `${name} is ${formatBytes(size)}: at most ${formatBytes(MAX_TRANSFER_BYTES)} can be transferred at once`;
}

export function onTransferProgress(ev: Progress): void {
  const t = live.get(ev.transferId);
  if (t) return apply(t, ev);
  early.set(ev.transferId, ev);
  if (early.size > EARLY_MAX) early.delete(early.keys().next().value!);
}

function apply(t: Live, ev: Progress): void {
  useFiles.getState().updateTransfer(t.key, t.id, { phase: ev.phase, sent: ev.sent, total: ev.total, rate: ev.rate, eta: ev.eta });
  if (!FINISHED.has(ev.phase)) return;
  live.delete(ev.transferId);
  t.finish(ev);
}

/** Follows a transfer main accepted until it ends; resolves with its last event. */
function track(key: BoardKey, id: number, transferId: string): Promise<Progress> {
  return new Promise((finish) => {
    const t: Live = { key, id, finish };
    live.set(transferId, t);
    useFiles.getState().updateTransfer(key, id, { transferId });
    const first = early.get(transferId);
    early.delete(transferId);
    if (first) apply(t, first);
    if (cancelAsked.delete(id)) void sendCancel(key, id, transferId);
  });
}

function begin(key: BoardKey, kind: Transfer['kind'], path: string, total: number): number {
  const id = ++ids;
  useFiles.getState().addTransfer(key, { id, kind, path, state: 'running', phase: 'starting', sent: 0, total, rate: 0, eta: null, started: Date.now() });
  return id;
}

function end(key: BoardKey, id: number, state: Transfer['state'], error?: string): TransferOutcome {
  cancelAsked.delete(id);
  useFiles.getState().updateTransfer(key, id, { state, cancelling: false, ended: Date.now(), rate: 0, eta: null, ...(error !== undefined && { error }) });
  return state === 'done' ? { ok: true } : { ok: false, error: error ?? state };
}

function endWith(key: BoardKey, id: number, last: Progress): TransferOutcome {
  if (last.phase === 'done') return end(key, id, 'done');
  if (last.phase === 'cancelled') return end(key, id, 'cancelled', 'Cancelled');
  return end(key, id, 'failed', last.error ?? 'failed');
}

/** Uploads one file (or bytes) to `path`; resolves when it has finished, failed or was cancelled. */
export async function uploadData(key: BoardKey, path: string, source: File | { name: string; data: Uint8Array }): Promise<TransferOutcome> {
  const size = 'size' in source ? source.size : source.data.length;
  const id = begin(key, 'upload', path, size);
  if (size > MAX_TRANSFER_BYTES) return end(key, id, 'failed', tooLargeText(source.name || baseName(path), size));
  const { profileId, prefix } = splitBoardKey(key);
  try {
    const file: FileRef = 'size' in source ? await fileRefOf(source) : { kind: 'bytes', name: source.name, data: source.data };
    const { transferId } = await request('board.upload', { profileId, prefix, path, file });
    return endWith(key, id, await track(key, id, transferId));
  } catch (e) {
    return end(key, id, 'failed', errorText(e));
  }
}

/** Downloads a board file and hands it to the browser (or Electron's save) once complete. */
export async function downloadFile(key: BoardKey, path: string): Promise<TransferOutcome> {
  const id = begin(key, 'download', path, 0);
  const { profileId, prefix } = splitBoardKey(key);
  try {
    const { transferId } = await request('board.download', { profileId, prefix, path });
    const last = await track(key, id, transferId);
    if (last.phase !== 'done') return endWith(key, id, last);
    const got = await request('transfer.take', { transferId });
    saveBytes(got.name || baseName(path), got.data);
    return end(key, id, 'done');
  } catch (e) {
    return end(key, id, 'failed', errorText(e));
  }
}

export async function cancelTransfer(key: BoardKey, id: number): Promise<void> {
  const t = boardFiles(useFiles.getState(), key).transfers.find((x) => x.id === id);
  if (!t || t.state !== 'running' || t.cancelling) return;
  useFiles.getState().updateTransfer(key, id, { cancelling: true, error: undefined });
  if (t.transferId) await sendCancel(key, id, t.transferId);
  else cancelAsked.add(id);
}

async function sendCancel(key: BoardKey, id: number, transferId: string): Promise<void> {
  try {
    await request('transfer.cancel', { transferId });
  } catch (e) {
    // It may have finished meanwhile: its last event says how; otherwise say why cancel failed.
    if (live.has(transferId)) useFiles.getState().updateTransfer(key, id, { cancelling: false, error: `Cancel failed: ${errorText(e)}` });
  }
}

/** The link to main is gone: main stops this window's transfers, so they end here too. */
export function failRunningTransfers(why: string): void {
  for (const [transferId, t] of [...live]) {
    live.delete(transferId);
    t.finish({ transferId, prefix: '', path: '', direction: 'upload', phase: 'failed', sent: 0, total: 0, rate: 0, eta: null, error: why });
  }
}

/** Forgets everything (tests, detaching the console). */
export function resetTransfers(): void {
  live.clear();
  early.clear();
  cancelAsked.clear();
}
