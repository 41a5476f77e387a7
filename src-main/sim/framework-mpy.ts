// The framework precompiled for the virtual fleet's provisioning: each board/lib .py goes onto the
// flash as the .mpy that mpy-cross makes of it (the .py stays the source of truth). Importing a
// .py compiles it on the board, and the compiler's garbage (parse tree, scopes) does not fit the
// heap of an ESP32 without PSRAM next to the rest of the framework; an .mpy loads its bytecode
// only. Compiled files are cached outside the repository by the SHA-256 of compiler and source.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ensureMpyCrossSync } from '../../scripts/board-checks/mpy-cross.js';

function cacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'mqboard', 'framework-mpy');
}

/** Whether a provisioned file is framework code to precompile: a module in a lib directory. */
export function isPrecompiled(target: string): boolean {
  return target.endsWith('.py') && path.posix.basename(path.posix.dirname(target)) === 'lib';
}

/**
 * The .mpy of a source file. Bytecode only (no -march): the virtual board's interpreter runs no
 * Xtensa code, and the framework has no @micropython.native functions.
 */
export function compileToMpy(sourceFile: string): Buffer {
  const bin = ensureMpyCrossSync();
  const source = fs.readFileSync(sourceFile);
  const key = crypto.createHash('sha256').update(fs.readFileSync(bin)).update(path.basename(sourceFile)).update(source).digest('hex');
  const cached = path.join(cacheDir(), `${key.slice(0, 32)}.mpy`);
  if (fs.existsSync(cached)) return fs.readFileSync(cached);
  fs.mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  // -s: the name in tracebacks is the board's (lib/mqb_x.py), as it would be from the .py.
  const r = spawnSync(bin, ['-s', path.basename(sourceFile), '-o', tmp, sourceFile], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mpy-cross ${sourceFile}: ${`${r.stdout}${r.stderr}`.trim() || String(r.error)}`);
  fs.renameSync(tmp, cached);
  return fs.readFileSync(cached);
}
