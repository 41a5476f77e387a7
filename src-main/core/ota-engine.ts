// Over-the-air firmware upgrades of one or many boards (docs/protocol.md, `ota` and `otastat`).
// Per board: SHA-256 of the image, ask the board how much of it is already in flash (v2), stream
// the rest in 4 KB messages under the SEQ window, and after a drop (board reset, broker
// reconnect) ask again and resume, a bounded number of times. Version-1 boards get the original
// protocol: plain `ota`, 1,400-byte messages, always from the start.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { MqbError, isMqbError } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import { validateAppImage } from '../common/firmware-image.js';
import { ProgressMeter, chunkBytes, parseOtaStat, resumeOffset } from '../common/ota-plan.js';
import { V1_CHUNK, V2_CHUNK, decodeText, otaTail } from '../common/protocol.js';
import type { UpdateSigner } from '../common/signing.js';
import { signatureFor } from './signature-for.js';
import type { BoardClient } from './board-client.js';
import type { Engine } from './engine.js';
import type { WakeHooks } from './keep-awake.js';

/** What the engine needs of a board (BoardClient, or a fake in tests). */
export type TransferBoard = Pick<BoardClient, 'prefix' | 'proto' | 'caps' | 'request' | 'send' | 'otaSlot'>;

export type OtaPhase = 'queued' | 'checking' | 'resuming' | 'sending' | 'verifying' | 'done' | 'failed' | 'cancelled';

export interface OtaProgress {
  prefix: string;
  sent: number;
  total: number;
  /** Bytes per second over the last seconds. */
  rate: number;
  /** Seconds left; undefined while unknown. */
  eta: number | undefined;
  phase: OtaPhase;
  attempt: number;
  /** Why the phase changed, for people (e.g. the error before a retry). */
  message?: string;
}

export interface OtaJob {
  board: TransferBoard;
  image: Uint8Array;
  /** SHA-256 hex of the image (computed when missing). */
  sha256?: string;
}

export interface OtaFailure {
  code: ErrorCode | 'INTERNAL';
  message: string;
}

export interface OtaResult {
  prefix: string;
  ok: boolean;
  sha256: string;
  bytes: number;
  /** The offset the final, successful attempt started at (0 = the whole image was sent). */
  resumedFrom: number;
  attempts: number;
  /** The partition otastat named (v2), where the image now waits to boot. */
  partition?: string;
  elapsedMs: number;
  error?: OtaFailure;
  /** What `afterUpload` returned (e.g. the status after a reset). */
  after?: unknown;
}

/** waitWake/keepAwake: battery boards stay awake while bytes flow and resume at their next wake (keep-awake.ts). */
export interface OtaOptions extends WakeHooks {
  /** Boards upgraded at the same time (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Ask otastat and resume (default true); false always starts from byte 0. */
  resume?: boolean;
  /** Attempts per board, the first one included (default 5). */
  attempts?: number;
  /** Wait before the 2nd attempt, doubled each time up to 15 s (default 1 s). */
  retryDelayMs?: number;
  /** Silence after which a board is considered gone (default: the BoardClient's). */
  timeoutMs?: number;
  /** Runs after a board answered OK, inside its concurrency slot (e.g. reset and wait for it). */
  afterUpload?: (job: OtaJob, result: OtaResult, signal: AbortSignal | undefined) => Promise<unknown>;
  /** Signs the image for boards that verify signatures (docs/signing.md); boards without the cap are refused. */
  sign?: UpdateSigner;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface Progress {
  sent: number;
  attempt: number;
}

export interface OtaEngineEvents {
  progress: [OtaProgress];
}

/** Errors after which the same upload may succeed: the board or the broker went away for a while. */
const RETRYABLE = new Set<string>(['TIMEOUT', 'BOARD_RESET', 'BROKER_DOWN', 'OFFLINE', 'PROTOCOL']);

export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export interface CheckedImage {
  project: string;
  version: string;
  /** app_elf_sha256 from the app descriptor: the image's identity even when project and version are empty. */
  appSha: string;
  size: number;
  sha256: string;
  warnings: string[];
}

/** Refuses what is not an ESP32 app image before anything is sent (MqbError USAGE). */
export function checkOtaImage(image: Uint8Array, name = 'the image'): CheckedImage {
  // No size limit here: each board's slot depends on its partition table (checkFitsSlot, per board).
  const v = validateAppImage(image, { partitionSize: null });
  if (!v.ok) throw new MqbError('USAGE', `${name} is not a valid ESP32 app image: ${v.error}`);
  return {
    project: v.info.appDesc?.projectName ?? '',
    version: v.info.appDesc?.version ?? '',
    appSha: v.info.appDesc?.elfSha256 ?? '',
    size: image.length,
    sha256: sha256Hex(image),
    warnings: v.warnings,
  };
}

/**
 * Refuses an image larger than the board's OTA slot (its status's ota_slot) before any byte is
 * sent: the board would take it up to the slot's end and then fail. A board that does not say
 * (older firmware, protocol v1) is not checked here; it refuses when its partition is full.
 */
export function checkFitsSlot(board: Pick<TransferBoard, 'prefix' | 'otaSlot'>, size: number): void {
  const slot = board.otaSlot;
  if (slot === undefined || size <= slot) return;
  throw new MqbError('USAGE', `${board.prefix}: the image is ${size.toLocaleString('en-US')} bytes, the board's OTA slot holds ${slot.toLocaleString('en-US')}`);
}

/** The engine's shared OtaEngine: one per Engine, so every front end sees the same progress events. */
export function otaEngineOf(engine: Pick<Engine, 'extension'>): OtaEngine {
  return engine.extension('ota', () => new OtaEngine());
}

export function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new MqbError('CANCELLED', 'cancelled'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new MqbError('CANCELLED', 'cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function failureOf(e: unknown): OtaFailure {
  return isMqbError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Runs `fn` over `items` with at most `limit` running at once; results keep the input order. */
export async function runPool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export class OtaEngine extends EventEmitter<OtaEngineEvents> {
  /** Upgrades every job's board; resolves with one result per job (failures included, never rejects for one board). */
  async start(jobs: readonly OtaJob[], opts: OtaOptions = {}): Promise<OtaResult[]> {
    const concurrency = opts.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new MqbError('USAGE', `concurrency must be a whole number >= 1 (got ${concurrency})`);
    // Every board shows up at once, also those waiting for a slot.
    for (const { board, image } of jobs) this.emit('progress', { prefix: board.prefix, sent: 0, total: image.length, rate: 0, eta: undefined, phase: 'queued', attempt: 0 });
    return runPool(jobs, concurrency, (job) => this.upgrade(job, opts));
  }

  private async upgrade(job: OtaJob, opts: OtaOptions): Promise<OtaResult> {
    const { board, image } = job;
    const now = opts.now ?? (() => performance.now());
    const sleep = opts.sleep ?? sleepFor;
    const maxAttempts = Math.max(1, opts.attempts ?? 5);
    const started = now();
    const sha = job.sha256 ?? sha256Hex(image);
    const meter = new ProgressMeter(image.length, { now });
    const result: OtaResult = { prefix: board.prefix, ok: false, sha256: sha, bytes: image.length, resumedFrom: 0, attempts: 0, elapsedMs: 0 };
    const progress: Progress = { sent: 0, attempt: 0 };
    const emit = (phase: OtaPhase, message?: string) => {
      const s = meter.update(progress.sent);
      this.emit('progress', { prefix: board.prefix, sent: s.done, total: s.total, rate: s.rate, eta: s.eta, phase, attempt: progress.attempt, ...(message !== undefined && { message }) });
    };
    const finish = (error: OtaFailure | undefined, phase: OtaPhase) => {
      result.ok = error === undefined;
      if (error) result.error = error;
      result.elapsedMs = now() - started;
      emit(phase, error?.message);
      return result;
    };
    const cancelled = () => finish({ code: 'CANCELLED', message: `upload to ${board.prefix} cancelled` }, 'cancelled');
    try {
      checkFitsSlot(board, image.length);
    } catch (e) {
      return finish(failureOf(e), 'failed');
    }
    let resume = opts.resume !== false && board.caps.includes('otastat');
    // A sleeping board: wait for its wake (bounded by the job's deadline) before the first try.
    const waitWake = async (phase: OtaPhase, before = ''): Promise<boolean | OtaResult> => {
      if (!opts.waitWake) return false;
      try {
        return await opts.waitWake(board, opts.signal, (text) => emit(phase, before + text));
      } catch (e) {
        const f = failureOf(e);
        return f.code === 'CANCELLED' || opts.signal?.aborted ? cancelled() : finish(f, 'failed');
      }
    };
    const first = await waitWake('queued');
    if (typeof first === 'object') return first;
    let failures = 0;
    for (;;) {
      result.attempts = ++progress.attempt;
      try {
        await this.attempt(job, sha, resume, opts, progress, emit, result);
        break;
      } catch (e) {
        const failure = failureOf(e);
        if (failure.code === 'CANCELLED' || opts.signal?.aborted) return cancelled();
        // The board went to sleep mid-upload: continue at its next wake, without using up an attempt.
        if (RETRYABLE.has(failure.code)) {
          const slept = await waitWake('resuming', `${failure.message}; `);
          if (typeof slept === 'object') return slept;
          if (slept) continue;
        }
        failures++;
        // After a resume, a final mismatch means what was in flash could not be trusted: start over.
        const badResume = failure.code === 'SHA_MISMATCH' && result.resumedFrom > 0;
        if (failures >= maxAttempts || !(RETRYABLE.has(failure.code) || badResume)) return finish(failure, 'failed');
        if (badResume) resume = false;
        const delay = Math.min(15_000, (opts.retryDelayMs ?? 1000) * 2 ** (failures - 1));
        emit('resuming', `${failure.message}; trying again in ${Math.round(delay / 100) / 10} s (attempt ${failures + 1} of ${maxAttempts})`);
        try {
          await sleep(delay, opts.signal);
        } catch {
          return cancelled();
        }
      }
    }
    if (opts.afterUpload) {
      try {
        result.after = await opts.afterUpload(job, result, opts.signal);
      } catch (e) {
        const failure = failureOf(e);
        return failure.code === 'CANCELLED' ? cancelled() : finish({ ...failure, message: `the upload succeeded, then: ${failure.message}` }, 'failed');
      }
    }
    progress.sent = image.length;
    return finish(undefined, 'done');
  }

  /** One try, with a battery board kept awake while it runs. */
  private async attempt(...args: Parameters<OtaEngine['tryOnce']>): Promise<void> {
    const stopKeepAwake = args[3].keepAwake?.(args[0].board);
    try {
      await this.tryOnce(...args);
    } finally {
      stopKeepAwake?.();
    }
  }

  /** otastat (v2), then the stream from the offset it allows (recorded in result.resumedFrom). */
  private async tryOnce(
    job: OtaJob,
    sha: string,
    resume: boolean,
    opts: OtaOptions,
    progress: Progress,
    emit: (phase: OtaPhase, message?: string) => void,
    result: OtaResult,
  ): Promise<void> {
    const { board, image } = job;
    const sig = signatureFor(board, opts.sign, 'ota', '', sha); // before any byte: a board that cannot verify is refused
    const timing = { ...(opts.signal && { signal: opts.signal }), ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }) };
    emit('checking');
    let offset = 0;
    if (resume) {
      const text = decodeText(await board.request('otastat', { tail: sha, ...timing }));
      let stat;
      try {
        stat = parseOtaStat(text);
      } catch (e) {
        throw new MqbError('PROTOCOL', `${board.prefix} answered otastat with something unusable (${(e as Error).message}): ${text.slice(0, 80)}`);
      }
      offset = resumeOffset(stat.offset, image.length);
      if (stat.partition) result.partition = stat.partition;
    }
    progress.sent = offset;
    result.resumedFrom = offset;
    emit(offset > 0 ? 'resuming' : 'sending', offset > 0 ? `${offset} bytes already on the board` : undefined);
    const v2 = board.caps.includes('otastat');
    const reply = await board.send('ota', {
      tail: v2 ? otaTail(sha, offset, sig) : sha,
      chunks: chunkBytes(image, v2 ? V2_CHUNK : V1_CHUNK, offset),
      ...timing,
      onSent: (_seq, bytes) => {
        progress.sent += bytes;
        emit(progress.sent >= image.length ? 'verifying' : 'sending');
      },
    });
    const text = decodeText(reply).trim();
    if (!text.startsWith('OK')) throw new MqbError('PROTOCOL', `${board.prefix} answered the upload with "${text.slice(0, 80)}" instead of OK`);
  }
}
