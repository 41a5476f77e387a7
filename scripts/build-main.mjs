// Builds the Node side (CLI, simulator worker) into dist/main with esbuild.
// Workers need plain JavaScript files on disk, and `npx mqboard` must start fast,
// so the Node entry points are bundled once here (dependencies stay external).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'main');

/** How every Node-side entry point is bundled (also used by the benchmarks). */
export const NODE_BUNDLE = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};

export async function buildMain() {
  await build({
    ...NODE_BUNDLE,
    entryPoints: {
      cli: 'src-main/cli/main.ts',
      'board-worker': 'src-main/sim/worker/board-worker.ts',
    },
    outdir: out,
  });
  // The simulator's Python shims are read by the worker at boot. Swap the directory in one
  // rename so a board starting meanwhile (another process) never sees it half copied.
  const staging = join(out, `py.${process.pid}.tmp`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  cpSync(join(root, 'src-main', 'sim', 'py'), staging, { recursive: true });
  const old = join(out, `py.${process.pid}.old`);
  if (existsSync(join(out, 'py'))) renameSync(join(out, 'py'), old);
  renameSync(staging, join(out, 'py'));
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildMain();
}
