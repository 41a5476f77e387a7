// Runs bench/sim-bridge.bench.ts (`npm run bench:sim`), or bench/<name>.bench.ts with
// `--entry <name>` (`npm run bench:wake`): builds the simulator worker into dist/main, bundles the
// benchmark into dist/bench with esbuild, and runs it in a fresh Node process (with --expose-gc,
// for the memory figures). Other arguments are passed to the benchmark.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BUNDLE, buildMain } from '../scripts/build-main.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bench');

// BENCH_NO_BUILD=1 keeps dist/main as it is (rebuilding it removes and copies dist/main/py, which
// can break a board that another process starts at that moment).
const args = process.argv.slice(2);
const at = args.indexOf('--entry');
const name = at >= 0 ? args.splice(at, 2)[1] : 'sim-bridge';
if (!/^[a-z-]+$/.test(name ?? '')) throw new Error(`--entry takes a benchmark name such as wake (got "${name}")`);
if (!process.env.BENCH_NO_BUILD) await buildMain();
await build({
  ...NODE_BUNDLE,
  entryPoints: { [`${name}.bench`]: `bench/${name}.bench.ts` },
  outdir,
  outExtension: { '.js': '.mjs' },
});

const child = spawn(
  process.execPath,
  ['--expose-gc', '--enable-source-maps', join(outdir, `${name}.bench.mjs`), ...args],
  { cwd: root, stdio: 'inherit', env: { ...process.env, BENCH_RESULTS_DIR: join(root, 'bench', 'results') } },
);
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
