// File transfers for the fake console: progress at a fixed rate, cancel, and the board's atomic
// put (the file changes only once every byte is in, so a cancelled upload leaves the old one).
import type { EventOf, TransferPhase } from '../../src-main/common/contract.js';
import type { FakeFs } from './fake-fs.js';

type Progress = EventOf<'transfer.progress'>;

export interface FakeTransfer {
  transferId: string;
  prefix: string;
  path: string;
  direction: 'upload' | 'download';
  fs: FakeFs;
  data: Uint8Array;
  sent: number;
  phase: TransferPhase;
}

const finished = (t: FakeTransfer) => t.phase === 'done' || t.phase === 'failed' || t.phase === 'cancelled';

function event(t: FakeTransfer, rate: number, extra: Partial<Progress> = {}): Progress {
  const total = t.data.length;
  const moving = t.phase === 'transferring';
  return { transferId: t.transferId, prefix: t.prefix, path: t.path, direction: t.direction, phase: t.phase, sent: Math.round(t.sent), total, rate: moving ? rate : 0, eta: moving ? (total - t.sent) / rate : null, ...extra };
}

/** Advances a transfer by `dt` seconds at `rate` bytes/s; returns the event to emit, if any. */
export function advanceTransfer(t: FakeTransfer, dt: number, rate: number): Progress | undefined {
  if (finished(t)) return undefined;
  if (t.phase === 'starting') t.phase = 'transferring';
  else if (t.phase === 'transferring') {
    t.sent = Math.min(t.data.length, t.sent + rate * dt);
    if (t.sent >= t.data.length) t.phase = t.direction === 'upload' ? 'verifying' : 'done';
  } else if (t.phase === 'verifying') {
    t.fs.write(t.path, t.data);
    t.phase = 'done';
  }
  return event(t, rate);
}

export function cancelFakeTransfer(t: FakeTransfer): Progress | undefined {
  if (finished(t)) return undefined;
  t.phase = 'cancelled';
  return event(t, 0, { error: 'cancelled from the console' });
}
