// Runs bench/sim-bridge.bench.ts (`npm run bench:sim`): builds the simulator worker into
// dist/main, bundles the benchmark into dist/bench with esbuild, and runs it in a fresh Node
// process (with --expose-gc, for the memory figures). Extra arguments are passed to the benchmark.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BUNDLE, buildMain } from '../scripts/build-main.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bench');

// BENCH_NO_BUILD=1 keeps dist/main as it is (rebuilding it removes and copies dist/main/py, which
// can break a board that another process starts at that moment).
if (!process.env.BENCH_NO_BUILD) await buildMain();
await build({
  ...NODE_BUNDLE,
  entryPoints: { 'sim-bridge.bench': 'bench/sim-bridge.bench.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
});

const child = spawn(
  process.execPath,
  ['--expose-gc', '--enable-source-maps', join(outdir, 'sim-bridge.bench.mjs'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, BENCH_RESULTS_DIR: join(root, 'bench', 'results') } },
);
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
