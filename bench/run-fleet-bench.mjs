// Runs bench/fleet-scale.bench.ts (`npm run bench:fleet`), or the bench named as the argument
// (`rollout-scale`: `npm run bench:rollout`; `ui-scale`: `npm run bench:ui`, which builds the app
// first, as it runs the web mode and its UI): bundles it into dist/bench with esbuild and runs it in
// a fresh Node process (the fleet bench forks itself for the console). Options: the bench's header.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_BUNDLE } from '../scripts/build-main.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bench');
const name = process.argv[2] ?? 'fleet-scale';
if (!['fleet-scale', 'rollout-scale', 'ui-scale'].includes(name)) throw new Error(`unknown bench "${name}" (fleet-scale, rollout-scale, ui-scale)`);
if (name === 'ui-scale') {
  for (const script of ['build-main.mjs', 'build-renderer.mjs']) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', script)], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`scripts/${script} failed`);
  }
}
await build({ ...NODE_BUNDLE, entryPoints: { [`${name}.bench`]: `bench/${name}.bench.ts` }, outdir, outExtension: { '.js': '.mjs' } });
const child = spawn(process.execPath, ['--enable-source-maps', join(outdir, `${name}.bench.mjs`)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BENCH_RESULTS_DIR: join(root, 'bench', 'results') },
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
