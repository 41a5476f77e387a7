// File uploads and downloads from the UI, run in the background like OTA jobs: the request
// answers with a transfer id once the file is read and the board found (so no request deadline
// limits a long transfer: only a board that goes silent does); `transfer.progress` follows each
// transfer, `transfer.cancel` aborts it, and a finished download's bytes wait for `transfer.take`.
// A transfer belongs to the client that started it and ends when that client goes (window
// closed, browser tab gone), as its REPL sessions do.
import { randomBytes } from 'node:crypto';
import { ConsoleError, MAX_TRANSFER_BYTES } from '../common/contract.js';
import type { EventOf, TransferPhase } from '../common/contract.js';
import { MqbError } from '../common/errors.js';
import type { ProgressSnapshot } from '../common/ota-plan.js';
import type { BoardClient } from '../core/board-client.js';
import { getFile, putFile } from '../core/file-transfer.js';
import { realTimers } from './event-bus.js';
import type { Timers } from './event-bus.js';
import { tooLarge } from './local-files.js';
import { ProgressThrottle } from './progress-throttle.js';
import { openBoard } from './service-context.js';
import { whenAwake } from './wake-ops.js';
import type { HandlerGroup, ServiceContext } from './service-context.js';

type Progress = EventOf<'transfer.progress'>;
type Direction = Progress['direction'];

interface Transfer {
  id: string;
  clientId: string;
  controller: AbortController;
  /** A finished download, kept until its client takes it (or goes, or forgets it). */
  kept?: { name: string; data: Uint8Array; sha256: string; expiry: unknown };
}

/** How long a finished download waits for `transfer.take` (the UI takes it at once). */
export const KEEP_DOWNLOAD_MS = 10 * 60_000;

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1) || 'file';

export interface TransferOpsOptions {
  timers?: Timers;
  now?: () => number;
}

export class TransferOps {
  private readonly transfers = new Map<string, Transfer>();
  private readonly timers: Timers;
  private readonly now: () => number;

  constructor(
    private readonly ctx: ServiceContext,
    opts: TransferOpsOptions = {},
  ) {
    this.timers = opts.timers ?? realTimers;
    this.now = opts.now ?? Date.now;
  }

  handlers(): HandlerGroup<'board.upload' | 'board.download' | 'transfer.take' | 'transfer.cancel'> {
    const { ctx } = this;
    return {
      'board.upload': async (p, { clientId }) => {
        const { name, data } = await ctx.files.read(p.file);
        if (data.length > MAX_TRANSFER_BYTES) throw tooLarge(name, data.length);
        const board = await openBoard(ctx, p.profileId, p.prefix, { allowAsleep: true });
        const transferId = this.start(clientId, { profileId: p.profileId, board, path: p.path, direction: 'upload', total: data.length }, async (t, onProgress) => {
          const put = await putFile(board, p.path, data, { signal: t.controller.signal, onProgress });
          return put.sha256;
        });
        return { transferId, total: data.length };
      },
      'board.download': async (p, { clientId }) => {
        const board = await openBoard(ctx, p.profileId, p.prefix, { allowAsleep: true });
        const transferId = this.start(clientId, { profileId: p.profileId, board, path: p.path, direction: 'download', total: 0 }, async (t, onProgress) => {
          const got = await getFile(board, p.path, {
            signal: t.controller.signal,
            onProgress: (s) => {
              // The size comes from the board's stat, before any byte moves.
              if (s.total > MAX_TRANSFER_BYTES) t.controller.abort(tooLarge(p.path, s.total));
              else onProgress(s);
            },
          });
          this.keep(t, { name: basename(p.path), data: got.data, sha256: got.sha256 });
          return got.sha256;
        });
        return { transferId };
      },
      'transfer.take': async ({ transferId }, { clientId }) => {
        const t = this.own(transferId, clientId);
        if (!t.kept) throw new ConsoleError('USAGE', `transfer ${transferId} has not finished yet`);
        const { name, data, sha256, expiry } = t.kept;
        this.timers.clearTimeout(expiry);
        this.transfers.delete(transferId);
        return { name, data, sha256 };
      },
      'transfer.cancel': async ({ transferId }, { clientId }) => {
        const t = this.own(transferId, clientId);
        if (t.kept) throw new ConsoleError('USAGE', `transfer ${transferId} has already finished`);
        t.controller.abort(new MqbError('CANCELLED', 'cancelled from the console'));
        return {};
      },
    };
  }

  /** A client went away: its transfers stop, its finished downloads are dropped. */
  clientGone(clientId: string): void {
    for (const t of [...this.transfers.values()]) if (t.clientId === clientId) this.drop(t, 'the window that started it was closed');
  }

  cancelAll(): void {
    for (const t of [...this.transfers.values()]) this.drop(t, 'the console is closing');
  }

  /** How many transfers are running or waiting to be taken (tests). */
  get size(): number {
    return this.transfers.size;
  }

  private drop(t: Transfer, why: string): void {
    if (t.kept) {
      this.timers.clearTimeout(t.kept.expiry);
      this.transfers.delete(t.id);
    } else {
      t.controller.abort(new MqbError('CANCELLED', `cancelled: ${why}`));
    }
  }

  private own(transferId: string, clientId: string): Transfer {
    const t = this.transfers.get(transferId);
    // Another client's transfer is as good as unknown: an id is not a capability to share.
    if (!t || t.clientId !== clientId) throw new ConsoleError('USAGE', `no transfer ${transferId} (it ended, or was not started here)`);
    return t;
  }

  private keep(t: Transfer, kept: { name: string; data: Uint8Array; sha256: string }): void {
    const expiry = this.timers.setTimeout(() => {
      if (this.transfers.get(t.id) === t) this.transfers.delete(t.id);
    }, KEEP_DOWNLOAD_MS);
    t.kept = { ...kept, expiry };
  }

  /** A battery board that sleeps: the transfer waits for its wake ("queued") and keeps it awake while it runs. */
  private start(clientId: string, what: { profileId: string; board: BoardClient; path: string; direction: Direction; total: number }, work: (t: Transfer, onProgress: (s: ProgressSnapshot) => void) => Promise<string>): string {
    const prefix = what.board.prefix;
    const t: Transfer = { id: randomBytes(9).toString('base64url'), clientId, controller: new AbortController() };
    this.transfers.set(t.id, t);
    const throttle = new ProgressThrottle<Progress>((e) => this.ctx.bus.emit('transfer.progress', e), this.now, this.timers);
    let last = { sent: 0, total: what.total, rate: 0, eta: null as number | null };
    const push = (phase: TransferPhase, extra: Partial<Progress> = {}) => throttle.push({ transferId: t.id, prefix, path: what.path, direction: what.direction, phase, ...last, ...extra });
    const onProgress = (s: ProgressSnapshot) => {
      last = { sent: s.done, total: s.total, rate: s.rate, eta: s.eta ?? null };
      // All bytes of an upload are out: the board checks the SHA-256 and renames into place.
      push(what.direction === 'upload' && s.done >= s.total ? 'verifying' : 'transferring');
    };
    // Started after the reply is on its way, so that the UI knows the id before the first event
    // (the same order as a REPL session's first prompt).
    this.timers.setTimeout(() => {
      push('starting');
      void whenAwake(this.ctx, what.profileId, what.board, t.controller.signal, () => push('queued'), () => work(t, onProgress)).then(
        (sha256) => {
          if (!t.kept) this.transfers.delete(t.id);
          const size = Math.max(last.sent, last.total);
          push('done', { sent: size, total: size, eta: 0, sha256 });
        },
        (err: unknown) => {
          this.transfers.delete(t.id);
          const aborted = t.controller.signal.aborted;
          const reason: unknown = aborted ? t.controller.signal.reason : err;
          const cancelled = aborted && reason instanceof MqbError && reason.code === 'CANCELLED';
          push(cancelled ? 'cancelled' : 'failed', { rate: 0, eta: null, error: (reason instanceof Error ? reason.message : String(reason)).slice(0, 2_000) });
        },
      );
    }, 0);
    return t.id;
  }
}
