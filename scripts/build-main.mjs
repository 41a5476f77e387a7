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
      // `npm run web`: the console UI served to a browser on 127.0.0.1.
      web: 'src-main/web/web-main.ts',
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

/**
 * The Electron shell into dist/electron: main.js (ESM, Electron 45 runs ESM mains) and the
 * preload as CommonJS with the contract bundled in (a sandboxed preload can require nothing but
 * 'electron').
 */
export async function buildElectron() {
  const electronOut = join(root, 'dist', 'electron');
  await build({ ...NODE_BUNDLE, target: 'node22', entryPoints: { main: 'src-main/electron/main.ts' }, outdir: electronOut });
  await build({
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    sourcemap: 'linked',
    logLevel: 'warning',
    entryPoints: { preload: 'src-main/electron/preload.ts' },
    outExtension: { '.js': '.cjs' },
    outdir: electronOut,
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildMain();
  await buildElectron();
}
