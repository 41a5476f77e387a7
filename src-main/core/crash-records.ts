// Crash records as the board keeps them (board/lib/mqb_crash.py: {"t", "boot", "where", "exc"})
// turned into the console's CrashRecord: the error line on its own, the traceback beside it.
import type { CrashRecord } from '../common/board-status.js';
import { clipText } from '../common/terminal-text.js';

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const clip = clipText;

/** The contract's limits (CrashRecord, board.crashlog): a board's records must fit the UI's messages. */
const MAX = { where: 1_000, error: 10_000, trace: 100_000, records: 1_000 } as const;

export function toCrashRecord(raw: unknown): CrashRecord | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  const trace = typeof o.exc === 'string' ? o.exc : typeof o.trace === 'string' ? o.trace : '';
  const lines = trace.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = typeof o.error === 'string' ? o.error : (lines[lines.length - 1] ?? '');
  return { t: num(o.t), boot: num(o.boot), where: clip(typeof o.where === 'string' ? o.where : '', MAX.where), error: clip(error, MAX.error), trace: clip(trace, MAX.trace) };
}

/** A crash payload (JSON list, or empty when cleared); malformed input gives no records. */
export function parseCrashRecords(text: string): CrashRecord[] {
  if (text.trim() === '') return [];
  try {
    const j: unknown = JSON.parse(text);
    if (!Array.isArray(j)) return [];
    // The board appends: the newest records are the last ones.
    return j.slice(-MAX.records).map(toCrashRecord).filter((r): r is CrashRecord => r !== undefined);
  } catch {
    return [];
  }
}
