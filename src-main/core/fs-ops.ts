// File-system operations on a board: the v2 commands (ls, stat, mkdir, rm, rmdir, mv, df) when
// the board announces them, otherwise built from `eval` as the original client did, so a
// version-1 board in the field gets the same operations. Errors come back as BOARD_ERROR with
// the protocol's `<ERRNO NAME>: <path>` text either way.
import { MqbError } from '../common/errors.js';
import { decodeText } from '../common/protocol.js';
import type { TransferBoard } from './ota-engine.js';
import { V1_SNIPPETS } from './fs-snippets.js';

export interface FsEntry {
  /** Relative to the listed directory (with '/' inside when recursive). */
  name: string;
  type: 'f' | 'd';
  size: number;
  mtime: number;
  sha256?: string;
}

export interface FsStat {
  type: 'f' | 'd';
  size: number;
  mtime: number;
  sha256?: string;
}

export interface DiskFree {
  total: number;
  free: number;
  block: number;
}

export interface FsCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Python string literal of a path (JSON escapes are valid Python escapes). */
const py = (s: string) => JSON.stringify(s);
const pyBool = (b: boolean | undefined) => (b ? 'True' : 'False');

export const isEnoent = (e: unknown): boolean => e instanceof MqbError && e.code === 'BOARD_ERROR' && e.message.startsWith('ENOENT');

export class BoardFs {
  constructor(
    readonly board: TransferBoard,
    private readonly call: FsCallOptions = {},
  ) {}

  ls(dir: string, opts: { recursive?: boolean; sha?: boolean } = {}): Promise<FsEntry[]> {
    return this.json('ls', dir, { recursive: opts.recursive === true, sha: opts.sha === true }, () => `${V1_SNIPPETS.ls}\n_mqb_run(${py(dir)}, ${pyBool(opts.recursive)}, ${pyBool(opts.sha)})`);
  }

  stat(path: string, opts: { sha?: boolean } = {}): Promise<FsStat> {
    return this.json('stat', path, { sha: opts.sha === true }, () => `${V1_SNIPPETS.stat}\n_mqb_run(${py(path)}, ${pyBool(opts.sha)})`);
  }

  /** The stat of `path`, or undefined when it does not exist. */
  async exists(path: string, opts: { sha?: boolean } = {}): Promise<FsStat | undefined> {
    try {
      return await this.stat(path, opts);
    } catch (e) {
      if (isEnoent(e)) return undefined;
      throw e;
    }
  }

  /** Creates a directory (fine if it exists); with `parents`, every missing level above it too. */
  async mkdir(path: string, opts: { parents?: boolean } = {}): Promise<void> {
    const levels = opts.parents ? path.split('/').filter(Boolean).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`) : [path];
    for (const level of levels) await this.ok('mkdir', level, undefined, () => `${V1_SNIPPETS.mkdir}\n_mqb_run(${py(level)})`);
  }

  rm(path: string): Promise<void> {
    return this.ok('rm', path, undefined, () => `${V1_SNIPPETS.rm}\n_mqb_run(${py(path)})`);
  }

  rmdir(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    return this.ok('rmdir', path, { recursive: opts.recursive === true }, () => `${V1_SNIPPETS.rmdir}\n_mqb_run(${py(path)}, ${pyBool(opts.recursive)})`);
  }

  mv(from: string, to: string): Promise<void> {
    return this.ok('mv', from, to, () => `${V1_SNIPPETS.mv}\n_mqb_run(${py(from)}, ${py(to)})`);
  }

  df(): Promise<DiskFree> {
    return this.json('df', undefined, undefined, () => `${V1_SNIPPETS.df}\n_mqb_run()`);
  }

  private async json<T>(cmd: string, tail: string | undefined, payload: unknown, v1: () => string): Promise<T> {
    const text = await this.run(cmd, tail, payload, v1);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MqbError('PROTOCOL', `${this.board.prefix}: ${cmd} answered something that is not JSON: ${text.slice(0, 120)}`);
    }
  }

  private async ok(cmd: string, tail: string, payload: unknown, v1: () => string): Promise<void> {
    const text = (await this.run(cmd, tail, payload, v1)).trim();
    if (text !== 'OK') throw new MqbError('PROTOCOL', `${this.board.prefix}: ${cmd} answered "${text.slice(0, 120)}" instead of OK`);
  }

  private async run(cmd: string, tail: string | undefined, payload: unknown, v1: () => string): Promise<string> {
    const timing = { ...(this.call.signal && { signal: this.call.signal }), ...(this.call.timeoutMs && { timeoutMs: this.call.timeoutMs }) };
    if (this.board.caps.includes(cmd)) {
      const body = payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload);
      const reply = await this.board.request(cmd, { ...(tail !== undefined && { tail }), ...(body !== undefined && { payload: body }), ...timing });
      return decodeText(reply);
    }
    if (!this.board.caps.includes('eval')) throw new MqbError('UNSUPPORTED', `${this.board.prefix} supports neither ${cmd} nor eval`);
    // The snippets print one line of JSON: the result, or {"err": "<ERRNO NAME>"}.
    const out = decodeText(await this.board.request('eval', { payload: v1(), ...timing })).trim();
    const line = out.slice(out.lastIndexOf('\n') + 1);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new MqbError('PROTOCOL', `${this.board.prefix}: ${cmd} (via eval) printed something that is not JSON: ${out.slice(0, 120)}`);
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'err' in parsed) {
      const errno = String((parsed as { err: unknown }).err);
      throw new MqbError('BOARD_ERROR', `${errno}: ${tail ?? ''}`, { board: this.board.prefix, cmd, boardText: errno });
    }
    return line === '"OK"' ? 'OK' : line;
  }
}
