// Where the firmware checks find their inputs: the repository's board/ tree and the shared
// reference material next to the checkout (../shared: the mpy-cross source tarball and the
// ESP32 stubs). MQBOARD_SHARED_DIR points elsewhere when a checkout does not sit beside it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BOARD_DIR = path.join(REPO_ROOT, 'board');

export function sharedDir(): string {
  return path.resolve(process.env.MQBOARD_SHARED_DIR ?? path.join(REPO_ROOT, '..', 'shared'));
}

/** A file or directory the checks cannot run without: a clear error, never a silent skip. */
export function requirePath(p: string, what: string): string {
  if (!fs.existsSync(p)) {
    throw new Error(`${what} not found at ${p} (set MQBOARD_SHARED_DIR to the directory holding tools/ and esp32-stubs/)`);
  }
  return p;
}

/** Every .py file under board/, as repo-relative paths with '/' (the names findings carry). */
export function boardPythonFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.py')) out.push(path.relative(REPO_ROOT, p).split(path.sep).join('/'));
    }
  };
  walk(BOARD_DIR);
  return out.sort();
}
