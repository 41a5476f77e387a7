// A file-set rollout started from the UI: the browser has no paths, so it sends the app's folder
// (each file with its relative path) and names the sync spec among them. The set is checked
// before anything is stored (the spec parses, every file it names is in the set, nothing leaves
// the folder), then kept in the data dir beside the rollout's state, so a resume (also by the
// CLI, after a restart) updates the boards with exactly the files the rollout started with.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ConsoleError, MAX_FILE_SET_BYTES } from '../common/contract.js';
import type { FileSetInput } from '../common/contract.js';
import { SyncSpecError, planSync } from '../common/sync-spec.js';

const MB = 1024 * 1024;

/** The spec's folder listing from the set: `listDir(rel)` of planSync, relative to the spec's folder. */
function setListing(set: FileSetInput): (rel: string) => string[] {
  const specDir = path.posix.dirname(set.spec);
  return (rel) => {
    const dir = path.posix.normalize(path.posix.join(specDir, rel));
    if (dir === '..' || dir.startsWith('../')) return []; // outside the folder that was sent
    const prefix = dir === '.' ? '' : `${dir}/`;
    return set.files.filter((f) => f.path.startsWith(prefix) && !f.path.slice(prefix.length).includes('/')).map((f) => f.path.slice(prefix.length));
  };
}

/** Refuses a set that could not run: USAGE with what is wrong. */
export function checkFileSet(set: FileSetInput): { files: number; bytes: number } {
  const seen = new Set<string>();
  let bytes = 0;
  for (const f of set.files) {
    if (seen.has(f.path)) throw new ConsoleError('USAGE', `the file set holds ${f.path} twice`);
    seen.add(f.path);
    bytes += f.data.byteLength;
  }
  if (bytes > MAX_FILE_SET_BYTES) throw new ConsoleError('USAGE', `the file set is ${(bytes / MB).toFixed(1)} MB; at most ${MAX_FILE_SET_BYTES / MB} MB (choose the app's folder, not a whole project)`);
  const spec = set.files.find((f) => f.path === set.spec);
  if (!spec) throw new ConsoleError('USAGE', `the sync spec ${set.spec} is not one of the files sent`);
  try {
    const planned = planSync(new TextDecoder().decode(spec.data), setListing(set));
    if (planned.length === 0) throw new ConsoleError('USAGE', `the sync spec ${set.spec} names no file`);
  } catch (e) {
    if (e instanceof SyncSpecError) throw new ConsoleError('USAGE', `${set.spec}: ${e.message}`);
    throw e;
  }
  return { files: set.files.length, bytes };
}

/**
 * Writes the set under `dir` (a new folder, made complete before it gets its name, so a crash
 * leaves no half set under it) and returns the stored spec's path.
 */
export async function storeFileSet(set: FileSetInput, dir: string): Promise<string> {
  const staging = `${dir}.tmp-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  try {
    for (const f of set.files) {
      const file = path.join(staging, ...f.path.split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await fs.writeFile(file, f.data, { mode: 0o600 });
    }
    await fs.rename(staging, dir);
  } catch (e) {
    await fs.rm(staging, { recursive: true, force: true });
    throw e;
  }
  return path.join(dir, ...set.spec.split('/'));
}
