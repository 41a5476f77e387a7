// OTA jobs for the fake console: progress at a fixed rate, cancel, and the reset that brings the
// board back on the new image with pending verification.
import type { EventOf } from '../../src-main/common/contract.js';
import type { FakeBoard } from './fake-fleet.js';

export interface FakeOtaTarget {
  prefix: string;
  board: FakeBoard;
  sent: number;
  phase: EventOf<'ota.progress'>['phase'];
}

export interface FakeOtaJob {
  jobId: string;
  size: number;
  version: string;
  reset: boolean;
  targets: FakeOtaTarget[];
}

/** Advances every target by `dt` seconds at `rate` bytes/s; returns the events to emit. */
export function advanceOta(job: FakeOtaJob, dt: number, rate: number, onDone: (t: FakeOtaTarget) => void): EventOf<'ota.progress'>[] {
  const events: EventOf<'ota.progress'>[] = [];
  for (const t of job.targets) {
    if (t.phase === 'done' || t.phase === 'failed' || t.phase === 'cancelled') continue;
    if (t.phase === 'queued') t.phase = 'checking';
    else if (t.phase === 'checking') t.phase = 'sending';
    else if (t.phase === 'sending') {
      t.sent = Math.min(job.size, t.sent + rate * dt);
      if (t.sent >= job.size) t.phase = 'verifying';
    } else if (t.phase === 'verifying') {
      t.phase = 'done';
      onDone(t);
    }
    const left = job.size - t.sent;
    events.push({ jobId: job.jobId, prefix: t.prefix, phase: t.phase, sent: Math.round(t.sent), total: job.size, rate: t.phase === 'sending' ? rate : 0, eta: t.phase === 'sending' ? left / rate : null });
  }
  return events;
}

export function cancelOta(job: FakeOtaJob): EventOf<'ota.progress'>[] {
  const events: EventOf<'ota.progress'>[] = [];
  for (const t of job.targets) {
    if (t.phase === 'done' || t.phase === 'failed' || t.phase === 'cancelled') continue;
    t.phase = 'cancelled';
    events.push({ jobId: job.jobId, prefix: t.prefix, phase: 'cancelled', sent: Math.round(t.sent), total: job.size, rate: 0, eta: null });
  }
  return events;
}

export const otherPartition = (p: string) => (p === 'ota_0' ? 'ota_1' : 'ota_0');
