// pyright over board/ against the stubs generated from the real ESP32 firmware, one run per
// stub set (v1.22.0 is the oldest version the firmware promises, v1.27.0 the one the virtual
// board runs). The configuration is generated in a temporary directory so the repository holds
// no tool-specific file and every path is absolute.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { BOARD_DIR, REPO_ROOT, requirePath, sharedDir } from './board-sources.js';

export const STUB_VERSIONS = ['v1.22.0', 'v1.27.0'] as const;
export type StubVersion = (typeof STUB_VERSIONS)[number];
const OPTIONAL_RULES = ['reportOptionalMemberAccess', 'reportOptionalSubscript', 'reportOptionalIterable', 'reportOptionalCall', 'reportOptionalOperand', 'reportOptionalContextManager'];

export interface Finding {
  version: StubVersion;
  file: string; // repo-relative, or absolute outside the repository
  line: number;
  rule: string;
  message: string; // the first line of pyright's message
}

interface PyrightJson {
  generalDiagnostics: { file: string; severity: string; message: string; rule?: string; range: { start: { line: number } } }[];
}

function pyrightCli(): string {
  return path.join(path.dirname(createRequire(import.meta.url).resolve('pyright/package.json')), 'index.js');
}

/** The configuration for one stub set (written to `dir`). */
export function pyrightConfig(version: StubVersion, dir: string): object {
  const stubs = requirePath(path.join(sharedDir(), 'esp32-stubs'), 'the ESP32 stubs');
  // The per-board files the firmware imports exist only on a provisioned board; the examples
  // stand in for them, so the firmware's use of its configuration is checked too.
  const configs = path.join(dir, 'configs');
  fs.mkdirSync(configs, { recursive: true });
  for (const name of ['board_config', 'board_secrets']) {
    fs.copyFileSync(path.join(BOARD_DIR, `${name}.example.py`), path.join(configs, `${name}.py`));
  }
  // An empty environment: without one pyright asks the host's python for its site-packages, and
  // CPython's modules would then resolve where an ESP32 has none.
  fs.mkdirSync(path.join(dir, 'env', 'none', 'lib', 'python3.8', 'site-packages'), { recursive: true });
  return {
    // stdlib/ is MicroPython's reduced copy of typeshed: CPython-only names are not found.
    typeshedPath: stubs,
    stubPath: requirePath(path.join(stubs, version), `the ${version} ESP32 stubs`),
    extraPaths: [configs, path.join(BOARD_DIR, 'lib'), BOARD_DIR],
    venvPath: path.join(dir, 'env'),
    venv: 'none',
    // The oldest Python the stubs are written for (typeshed's floor); MicroPython's own syntax
    // limits are mpy-cross's job.
    pythonVersion: '3.8',
    typeCheckingMode: 'basic',
    // Every import of a stub-only module would warn: a port's modules have no Python source.
    reportMissingModuleSource: 'none',
    // The firmware sets attributes to None until first use and back to None to release their
    // RAM; pyright cannot follow that lifecycle, and a port API that is missing never shows as
    // an Optional finding (it is reportAttributeAccessIssue / reportMissingImports / a call error).
    ...Object.fromEntries(OPTIONAL_RULES.map((r) => [r, 'none'])),
  };
}

/** Runs pyright on `files` (repo-relative or absolute) against one stub set. */
export async function runPyright(version: StubVersion, files: string[]): Promise<Finding[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pyright-${version}-`));
  try {
    const cfg = path.join(dir, 'pyrightconfig.json');
    fs.writeFileSync(cfg, JSON.stringify(pyrightConfig(version, dir), null, 2));
    const args = [pyrightCli(), '-p', cfg, '--outputjson', ...files.map((f) => path.resolve(REPO_ROOT, f))];
    // Exit 1 means "errors found", which the JSON reports; anything else is pyright failing.
    const stdout = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 << 20 }).then(
      (r) => r.stdout,
      (e: { code?: number; stdout?: string; stderr?: string }) => {
        if (e.code === 1 && e.stdout) return e.stdout;
        throw new Error(`pyright failed (exit ${e.code}): ${e.stderr ?? ''}${e.stdout ?? ''}`);
      },
    );
    return parseFindings(version, JSON.parse(stdout) as PyrightJson);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseFindings(version: StubVersion, out: PyrightJson): Finding[] {
  return out.generalDiagnostics.map((d) => {
    const rel = path.relative(REPO_ROOT, d.file);
    return {
      version,
      file: rel.startsWith('..') ? d.file : rel.split(path.sep).join('/'),
      line: d.range.start.line + 1,
      rule: d.rule ?? d.severity,
      message: d.message.split('\n')[0]!,
    };
  });
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}: [${f.version}] ${f.rule}: ${f.message}`;
}
