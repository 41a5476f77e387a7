// Builds the Node side (CLI, simulator worker) into dist/main with esbuild.
// Workers need plain JavaScript files on disk, and `npx mqboard` must start fast,
// so the Node entry points are bundled once here (dependencies stay external).
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'main');

export async function buildMain() {
  await build({
    absWorkingDir: root,
    entryPoints: {
      cli: 'src-main/cli/main.ts',
      'board-worker': 'src-main/sim/worker/board-worker.ts',
    },
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // The simulator's Python shims are read by the worker at boot.
  rmSync(join(out, 'py'), { recursive: true, force: true });
  mkdirSync(join(out, 'py'), { recursive: true });
  cpSync(join(root, 'src-main', 'sim', 'py'), join(out, 'py'), { recursive: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildMain();
}
