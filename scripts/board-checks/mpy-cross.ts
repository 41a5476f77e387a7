// MicroPython's own cross-compiler, built from the source tarball in ../shared/tools and cached
// outside the repository (keyed by the tarball's SHA-256, so a new tarball means a new build).
// Compiling every board file with it catches what only MicroPython's parser and compiler reject
// (CPython-only syntax, for example positional-only parameters) before a board does.
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

interface MpyCrossBuild {
  tarball: string;
  version: string;
  bin: string;
}

function plannedBuild(): MpyCrossBuild {
  const { file, version } = findTarball();
  const sha = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  return { tarball: file, version, bin: path.join(cacheRoot(), `mpy-cross-${version}-${sha.slice(0, 16)}`, 'mpy-cross') };
}

function checkBuildTools(): void {
  // MicroPython's build generates its headers with Python scripts, so python3 is a build tool too.
  const missing = ['gcc', 'make', 'python3', 'tar'].filter((c) => !onPath(c));
  if (missing.length) {
    throw new Error(`building mpy-cross needs ${missing.join(', ')} on PATH (Debian: apt-get install build-essential python3)`);
  }
}

type BuildFailure = { status?: number; stdout?: string | Buffer; stderr?: string | Buffer };

/** Builds mpy-cross when the cache lacks it (about 10 s, once per tarball); returns the binary's
 *  path. Blocking: the virtual fleet's provisioning, which compiles the framework, is synchronous. */
export function ensureMpyCrossSync(): string {
  const b = plannedBuild();
  if (fs.existsSync(b.bin)) return b.bin;
  checkBuildTools();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mpy-cross-build-'));
  try {
    execFileSync('tar', ['-xzf', b.tarball, '-C', work]);
    const src = path.join(work, `micropython-${b.version}`, 'mpy-cross');
    try {
      execFileSync('make', ['-C', src, `-j${os.availableParallelism()}`], { maxBuffer: 16 << 20, stdio: 'pipe' });
    } catch (err) {
      const e = err as BuildFailure;
      throw new Error(`building mpy-cross failed (make exit ${e.status}):\n${`${String(e.stdout ?? '')}${String(e.stderr ?? '')}`.slice(-3000)}`);
    }
    fs.mkdirSync(path.dirname(b.bin), { recursive: true });
    // Copied under a temporary name and renamed: a concurrent run never sees half a binary.
    const tmp = `${b.bin}.${process.pid}.tmp`;
    fs.copyFileSync(path.join(src, 'build', 'mpy-cross'), tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, b.bin);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return b.bin;
}

/** The same, as the board checks call it. */
export function ensureMpyCross(): Promise<string> {
  return Promise.resolve().then(ensureMpyCrossSync);
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
