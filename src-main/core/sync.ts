// `mqboard sync`: brings a board in line with a sync spec (the original `mqsync` format, parsed by
// common/sync-spec.ts). Planning compares SHA-256 hashes (one `ls` with hashes per target
// directory) so identical files are skipped; the plan is a list of actions a dry run prints and a
// real run executes in order. Beyond the original: --delete removes files of the spec's target
// directories that the spec does not list, --pull copies the board's files into the local tree.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MqbError } from '../common/errors.js';
import type { ProgressSnapshot } from '../common/ota-plan.js';
import type { SyncMode } from '../common/sync-spec.js';
import { globToRegExp, parseSyncSpec, planSync, SyncSpecError } from '../common/sync-spec.js';
import { getFile, putFile, readLocal, writeLocalAtomic } from './file-transfer.js';
import type { BoardFs, FsEntry } from './fs-ops.js';
import { isEnoent } from './fs-ops.js';
import type { UpdateSigner } from '../common/signing.js';

export type SyncOp = 'mkdir' | 'put' | 'skip' | 'delete' | 'check' | 'pull';

export interface SyncAction {
  op: SyncOp;
  /** Path on the board. */
  target: string;
  /** Local path, relative to the spec's directory. */
  source?: string;
  reason: string;
  size?: number;
  /** check: the board differs from the spec (a check-only block). */
  differs?: boolean;
}

export interface SyncPlanOptions {
  /** Also delete files in the spec's target directories that the spec does not list. */
  deleteExtra?: boolean;
  /** Copy board → local instead. */
  pull?: boolean;
}

export interface SyncRunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onAction?: (a: SyncAction, index: number) => void;
  onProgress?: (a: SyncAction, p: ProgressSnapshot) => void;
  /** Signs every put (docs/signing.md). */
  sign?: UpdateSigner;
}

/** Never deleted by --delete: what the board needs to reach the broker, and MQBoard's own state. */
const PROTECTED = /^\/(board_config\.py|board_secrets\.py|\.mqb.*)$/;

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const joinRel = (a: string, b: string) => (a === '' || a === '.' ? b : `${a.replace(/\/+$/, '')}/${b}`);
const boardPath = (dir: string, name: string) => `${dir === '/' ? '' : dir.replace(/\/+$/, '')}/${name}`;
const boardDir = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';

function localFiles(specDir: string): (rel: string) => string[] {
  return (rel) => {
    try {
      return fs.readdirSync(path.join(specDir, rel), { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
    } catch {
      return [];
    }
  };
}

function localSha(specDir: string, rel: string): { sha: string; size: number } | undefined {
  try {
    const data = fs.readFileSync(path.join(specDir, rel));
    return { sha: sha256Hex(data), size: data.length };
  } catch {
    return undefined;
  }
}

/** What the board has in each directory (name → entry), undefined for a missing directory. */
async function listing(bfs: BoardFs, dirs: Iterable<string>): Promise<Map<string, Map<string, FsEntry> | undefined>> {
  const out = new Map<string, Map<string, FsEntry> | undefined>();
  for (const dir of dirs) {
    if (out.has(dir)) continue;
    try {
      out.set(dir, new Map((await bfs.ls(dir, { sha: true })).map((e) => [e.name, e])));
    } catch (e) {
      if (!isEnoent(e)) throw e;
      out.set(dir, undefined);
    }
  }
  return out;
}

function specError(e: unknown): never {
  if (e instanceof SyncSpecError) throw new MqbError('USAGE', e.message);
  throw e;
}

/** Plans a sync of `specText` (whose relative paths start at `specDir`) against the board. */
export async function planBoardSync(bfs: BoardFs, specText: string, specDir: string, opts: SyncPlanOptions = {}): Promise<SyncAction[]> {
  if (opts.pull) return planPull(bfs, specText, specDir);
  let files;
  try {
    files = planSync(specText, localFiles(specDir));
  } catch (e) {
    specError(e);
  }
  const dirs = await listing(bfs, files.map((f) => boardDir(f.target)));
  const actions: SyncAction[] = [];
  const created = new Set<string>();
  const modeOf = new Map<string, SyncMode>();
  for (const f of files) {
    const dir = boardDir(f.target);
    modeOf.set(dir, modeOf.get(dir) === 'check-only' || f.mode === 'check-only' ? 'check-only' : f.mode);
    const local = localSha(specDir, f.source);
    if (!local) throw new MqbError('LOCAL_IO', `cannot read ${f.source}`);
    const entry = dirs.get(dir)?.get(f.target.slice(dir.length === 1 ? 1 : dir.length + 1));
    const same = entry?.type === 'f' && (entry.sha256 ? entry.sha256 === local.sha : false);
    const base = { target: f.target, source: f.source, size: local.size };
    if (f.mode === 'check-only') {
      actions.push({ ...base, op: 'check', differs: !same, reason: same ? 'identical' : entry ? 'differs' : 'missing on the board' });
      continue;
    }
    if (same || (entry && f.mode === 'no-update')) {
      actions.push({ ...base, op: 'skip', reason: same ? 'identical' : 'exists (--no-update)' });
      continue;
    }
    if (!dirs.get(dir) && !created.has(dir)) {
      created.add(dir);
      actions.push({ op: 'mkdir', target: dir, reason: 'missing on the board' });
    }
    actions.push({ ...base, op: 'put', reason: entry ? 'changed' : 'new' });
  }
  if (opts.deleteExtra) {
    const wanted = new Set(files.map((f) => f.target));
    for (const [dir, entries] of dirs) {
      if (!entries || modeOf.get(dir) === 'check-only') continue;
      for (const e of entries.values()) {
        const p = boardPath(dir, e.name);
        if (e.type !== 'f' || wanted.has(p)) continue;
        actions.push(PROTECTED.test(p) ? { op: 'skip', target: p, reason: 'kept: board configuration or state' } : { op: 'delete', target: p, reason: 'not in the spec', size: e.size });
      }
    }
  }
  return actions;
}

async function planPull(bfs: BoardFs, specText: string, specDir: string): Promise<SyncAction[]> {
  let blocks;
  try {
    blocks = parseSyncSpec(specText);
  } catch (e) {
    specError(e);
  }
  const dirs = await listing(bfs, blocks.map((b) => b.target));
  const pairs: Array<{ target: string; source: string }> = [];
  for (const block of blocks) {
    const entries = dirs.get(block.target);
    for (const src of block.sources) {
      const slash = src.name.lastIndexOf('/');
      const dir = slash >= 0 ? joinRel(src.dir, src.name.slice(0, slash)) : src.dir;
      const pattern = slash >= 0 ? src.name.slice(slash + 1) : src.name;
      if (/[*?]/.test(pattern)) {
        // Wildcards match what is on the board: the point of a pull is to get what is there.
        const re = globToRegExp(pattern);
        for (const e of entries?.values() ?? []) if (e.type === 'f' && re.test(e.name)) pairs.push({ target: boardPath(block.target, e.name), source: joinRel(dir, e.name) });
      } else {
        pairs.push({ target: boardPath(block.target, src.rename ?? pattern), source: joinRel(dir, pattern) });
      }
    }
  }
  return pairs.map(({ target, source }) => {
    const dir = boardDir(target);
    const entry = dirs.get(dir)?.get(target.slice(dir.length === 1 ? 1 : dir.length + 1));
    if (!entry || entry.type !== 'f') return { op: 'skip', target, source, reason: 'missing on the board' };
    const local = localSha(specDir, source);
    if (local && entry.sha256 === local.sha) return { op: 'skip', target, source, size: entry.size, reason: 'identical' };
    return { op: 'pull', target, source, size: entry.size, reason: local ? 'changed' : 'new' };
  });
}

/** One line per action, as a dry run prints them: "put /lib/x.py  <- lib/x.py (1.2 kB, changed)". */
export function describeAction(a: SyncAction): string {
  const from = a.source ? (a.op === 'pull' ? `  -> ${a.source}` : `  <- ${a.source}`) : '';
  return `${a.op.padEnd(6)} ${a.target}${from} (${a.reason})`;
}

/** Executes a plan in order; stops at the first failure (the error says which file). */
export async function runSync(bfs: BoardFs, actions: readonly SyncAction[], specDir: string, opts: SyncRunOptions = {}): Promise<void> {
  const timing = { ...(opts.signal && { signal: opts.signal }), ...(opts.timeoutMs && { timeoutMs: opts.timeoutMs }) };
  for (const [i, a] of actions.entries()) {
    opts.onAction?.(a, i);
    const onProgress = (p: ProgressSnapshot) => opts.onProgress?.(a, p);
    if (a.op === 'mkdir') await bfs.mkdir(a.target, { parents: true });
    else if (a.op === 'delete') await bfs.rm(a.target);
    else if (a.op === 'put') await putFile(bfs.board, a.target, await readLocal(path.join(specDir, a.source!)), { ...timing, onProgress, ...(opts.sign && { sign: opts.sign }) });
    else if (a.op === 'pull') {
      const got = await getFile(bfs.board, a.target, { ...timing, onProgress });
      await writeLocalAtomic(path.join(specDir, a.source!), got.data);
    }
  }
}
