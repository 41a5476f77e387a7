// Runs bench/fleet-scale.bench.ts (`npm run bench:fleet`): bundles it into dist/bench with esbuild
// and runs it in a fresh Node process (it forks itself for the console). Options: the bench's header.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BUNDLE } from '../scripts/build-main.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bench');
await build({ ...NODE_BUNDLE, entryPoints: { 'fleet-scale.bench': 'bench/fleet-scale.bench.ts' }, outdir, outExtension: { '.js': '.mjs' } });
const child = spawn(process.execPath, ['--enable-source-maps', join(outdir, 'fleet-scale.bench.mjs')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BENCH_RESULTS_DIR: join(root, 'bench', 'results') },
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
