// MicroPython's own cross-compiler, built from the source tarball in ../shared/tools and cached
// outside the repository (keyed by the tarball's SHA-256, so a new tarball means a new build).
// Compiling every board file with it catches what only MicroPython's parser and compiler reject
// (CPython-only syntax, for example positional-only parameters) before a board does.
import { execFile, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, requirePath, sharedDir } from './board-sources.js';

const TARBALL = /^micropython-(\d+\.\d+\.\d+)-mpy-cross-src\.tar\.gz$/;
/** The ESP32's native emitter: only code marked @micropython.native/viper uses it, but with the
 *  wrong (or no) -march such code does not compile, so every file is compiled for it. */
const ESP32_ARCH = 'xtensawin';

export interface CompileError {
  file: string;
  line: number;
  message: string;
}

function cacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'mqboard');
}

function findTarball(): { file: string; version: string } {
  const dir = requirePath(path.join(sharedDir(), 'tools'), 'the MicroPython tools directory');
  for (const name of fs.readdirSync(dir)) {
    const m = TARBALL.exec(name);
    if (m) return { file: path.join(dir, name), version: m[1]! };
  }
  throw new Error(`no micropython-<version>-mpy-cross-src.tar.gz in ${dir}`);
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Builds mpy-cross when the cache lacks it; returns the binary's path. Asynchronous, so the
 *  pyright runs can go on meanwhile. */
export async function ensureMpyCross(): Promise<string> {
  const { file, version } = findTarball();
  const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  const dir = path.join(cacheRoot(), `mpy-cross-${version}-${sha.slice(0, 16)}`);
  const bin = path.join(dir, 'mpy-cross');
  if (fs.existsSync(bin)) return bin;
  // MicroPython's build generates its headers with Python scripts, so python3 is a build tool too.
  const missing = ['gcc', 'make', 'python3', 'tar'].filter((c) => !onPath(c));
  if (missing.length) {
    throw new Error(`building mpy-cross needs ${missing.join(', ')} on PATH (Debian: apt-get install build-essential python3)`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mpy-cross-build-'));
  try {
    const run = promisify(execFile);
    await run('tar', ['-xzf', file, '-C', work]);
    const src = path.join(work, `micropython-${version}`, 'mpy-cross');
    await run('make', ['-C', src, `-j${os.availableParallelism()}`], { maxBuffer: 16 << 20 }).catch(
      (e: { code?: number; stdout?: string; stderr?: string }) => {
        throw new Error(`building mpy-cross failed (make exit ${e.code}):\n${`${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-3000)}`);
      },
    );
    fs.mkdirSync(dir, { recursive: true });
    // Copied under a temporary name and renamed: a concurrent run never sees half a binary.
    const tmp = `${bin}.${process.pid}.tmp`;
    fs.copyFileSync(path.join(src, 'build', 'mpy-cross'), tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, bin);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

/** mpy-cross prints a MicroPython traceback: `File "<input>", line N[, in ...]` then `Error: text`. */
export function parseCompileError(file: string, output: string): CompileError {
  const line = /File "[^"]*", line (\d+)/.exec(output);
  const last = output.trim().split('\n').pop() ?? '';
  return { file, line: line ? Number(line[1]) : 0, message: last || output.trim() };
}

/** Compiles each file (repo-relative, or absolute with cwd) for the ESP32; returns the errors and
 *  the total .mpy size. The input path is the name in the messages, so they read file:line. */
export function compileAll(bin: string, files: string[], cwd = REPO_ROOT): { errors: CompileError[]; mpyBytes: number } {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mpy-cross-out-'));
  const errors: CompileError[] = [];
  let mpyBytes = 0;
  try {
    files.forEach((file, i) => {
      const target = path.join(out, `${i}.mpy`);
      const r = spawnSync(bin, [`-march=${ESP32_ARCH}`, '-o', target, file], { cwd, encoding: 'utf8' });
      if (r.status === 0) mpyBytes += fs.statSync(target).size;
      else errors.push(parseCompileError(file, `${r.stdout}${r.stderr}` || String(r.error)));
    });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  return { errors, mpyBytes };
}

export function formatCompileErrors(errors: CompileError[]): string {
  return errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n');
}
