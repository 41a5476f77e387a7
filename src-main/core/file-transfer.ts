// Copies files to and from a board with an end-to-end SHA-256 check. Version 2: `put` carries
// the hash in its tail and the board refuses a mismatch before the old file is replaced; `get`
// is checked against the hash `stat` computes on the board. Version 1 (the original firmware):
// put into a temporary file, its hash computed on the board through eval, then renamed by eval.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MqbError } from '../common/errors.js';
import type { ProgressSnapshot } from '../common/ota-plan.js';
import { ProgressMeter, chunkBytes } from '../common/ota-plan.js';
import { PROTO_V2, V1_CHUNK, V2_CHUNK, decodeText, putTail } from '../common/protocol.js';
import type { UpdateSigner } from '../common/signing.js';
import { BoardFs } from './fs-ops.js';
import { signatureFor } from './signature-for.js';
import type { TransferBoard } from './ota-engine.js';

export interface TransferOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (p: ProgressSnapshot) => void;
  now?: () => number;
  /** Signs the put for boards that verify signatures (docs/signing.md); a board without the cap is refused. */
  sign?: UpdateSigner;
}

export interface TransferResult {
  path: string;
  bytes: number;
  sha256: string;
  /** How the content was checked: by the board on arrival, by hashing it on the board afterwards, or not at all (no way to). */
  verified: 'board' | 'readback' | 'none';
}

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const isV2 = (b: TransferBoard) => b.proto >= PROTO_V2;

function mismatch(board: TransferBoard, what: string, expected: string, got: string): MqbError {
  return new MqbError('SHA_MISMATCH', `${what} on ${board.prefix}: SHA-256 mismatch: expected ${expected}, got ${got}`, { board: board.prefix, expected, got });
}

/** Writes `data` to `remote` on the board; rejects with SHA_MISMATCH when it did not arrive intact. */
export async function putFile(board: TransferBoard, remote: string, data: Uint8Array, opts: TransferOptions = {}): Promise<TransferResult> {
  const sha = sha256Hex(data);
  const timing = { ...(opts.signal && { signal: opts.signal }), ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }) };
  const sig = signatureFor(board, opts.sign, 'put', remote, sha);
  if (isV2(board)) {
    await sendPut(board, putTail(remote, sha, sig), remote, data, opts);
    return { path: remote, bytes: data.length, sha256: sha, verified: 'board' };
  }
  // The original firmware writes straight into the file it is given. Without eval there is no
  // way around that, nor any check.
  if (!board.caps.includes('eval')) {
    await sendPut(board, remote, remote, data, opts);
    return { path: remote, bytes: data.length, sha256: sha, verified: 'none' };
  }
  // With eval: into a temporary file, checked there, then renamed over the target, so an
  // interrupted or corrupted upload leaves the old file as it was.
  const tmp = `${remote}${V1_PUT_SUFFIX}`;
  await sendPut(board, tmp, remote, data, opts);
  const bfs = new BoardFs(board, timing);
  const st = await bfs.stat(tmp, { sha: true });
  if (st.sha256 !== sha) {
    await bfs.rm(tmp).catch(() => {});
    throw mismatch(board, `put ${remote}`, sha, st.sha256 ?? 'nothing');
  }
  await renameOver(bfs, tmp, remote);
  return { path: remote, bytes: data.length, sha256: sha, verified: 'readback' };
}

/** The temporary name of a version-1 put (the same one our firmware uses for its own). */
export const V1_PUT_SUFFIX = '.mqbtmp';

/** Streams one put (version 1: without waiting for SEQ, which its put never sends); expects OK. */
async function sendPut(board: TransferBoard, tail: string, remote: string, data: Uint8Array, opts: TransferOptions): Promise<void> {
  const v2 = isV2(board);
  const meter = new ProgressMeter(data.length, opts.now ? { now: opts.now } : {});
  let done = 0;
  opts.onProgress?.(meter.update(0));
  const reply = await board.send('put', {
    tail,
    chunks: chunkBytes(data, v2 ? V2_CHUNK : V1_CHUNK),
    ...(!v2 && { boardAcks: false as const }),
    ...(opts.signal && { signal: opts.signal }),
    ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }),
    onSent: (_seq, bytes) => {
      done += bytes;
      opts.onProgress?.(meter.update(done));
    },
  });
  const text = decodeText(reply).trim();
  if (text !== 'OK') throw new MqbError('PROTOCOL', `put ${remote} on ${board.prefix}: the board answered "${text.slice(0, 80)}" instead of OK`);
}

/**
 * os.rename replaces the target on LittleFS; FAT refuses (EEXIST): the old file is then removed
 * first, the only moment without it (the new one is complete and checked by then).
 */
async function renameOver(bfs: BoardFs, from: string, to: string): Promise<void> {
  try {
    await bfs.mv(from, to);
  } catch (e) {
    if (!(e instanceof MqbError && e.code === 'BOARD_ERROR' && e.message.startsWith('EEXIST'))) throw e;
    await bfs.rm(to);
    await bfs.mv(from, to);
  }
}

/** Reads `remote` from the board, checked against the SHA-256 the board computes. */
export async function getFile(board: TransferBoard, remote: string, opts: TransferOptions = {}): Promise<TransferResult & { data: Uint8Array }> {
  const timing = { ...(opts.signal && { signal: opts.signal }), ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }) };
  const canStat = board.caps.includes('stat') || board.caps.includes('eval');
  // One stat before the transfer: the size for the progress bar, the hash for the check, and a
  // clear ENOENT / "is a directory" before any byte moves.
  const st = canStat ? await new BoardFs(board, timing).stat(remote, { sha: true }) : undefined;
  if (st?.type === 'd') throw new MqbError('BOARD_ERROR', `EISDIR: ${remote}`, { board: board.prefix });
  const meter = new ProgressMeter(st?.size ?? 0, opts.now ? { now: opts.now } : {});
  let done = 0;
  opts.onProgress?.(meter.update(0));
  const data = await board.request('get', {
    tail: remote,
    // Version 2 takes 4 KB messages: a third as many as the default, for the same bytes.
    ...(isV2(board) && { payload: JSON.stringify({ chunk: V2_CHUNK }) }),
    ...timing,
    onFrame: (p) => {
      done += p.length;
      opts.onProgress?.(meter.update(done));
    },
  });
  const sha = sha256Hex(data);
  if (st?.sha256 && st.sha256 !== sha) throw mismatch(board, `get ${remote}`, st.sha256, sha);
  return { path: remote, bytes: data.length, sha256: sha, verified: st?.sha256 ? 'board' : 'none', data };
}

/** Reads a local file, turning a missing or unreadable one into LOCAL_IO (before anything is sent). */
export async function readLocal(file: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new MqbError('LOCAL_IO', `cannot read ${file}: ${why}`);
  }
}

/** Writes a local file through a temporary file and a rename: the old file survives any failure. */
export async function writeLocalAtomic(file: string, data: Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.mqbtmp-${process.pid}`);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw new MqbError('LOCAL_IO', `cannot write ${file}: ${(e as Error).message}`);
  }
}
