// Runs bench/engine.bench.ts (`npm run bench:engine`): builds the simulator worker into dist/main,
// bundles the benchmark into dist/bench with esbuild, and runs it in a fresh Node process.
// Extra arguments are passed to the benchmark; options are environment variables (see the
// benchmark's header). BENCH_NO_BUILD=1 keeps dist/main as it is.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BUNDLE, buildMain } from '../scripts/build-main.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bench');

if (!process.env.BENCH_NO_BUILD) await buildMain();
await build({
  ...NODE_BUNDLE,
  entryPoints: { 'engine.bench': 'bench/engine.bench.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
});

const child = spawn(process.execPath, ['--enable-source-maps', join(outdir, 'engine.bench.mjs'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BENCH_RESULTS_DIR: join(root, 'bench', 'results') },
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
