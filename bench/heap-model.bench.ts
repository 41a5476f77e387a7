// What the enforced ESP32 heap costs (`npm run bench:heap`): the same Python work on two virtual
// boards side by side, one with the heap model (the default, worker/heap-model.ts) and one whose
// heap grows as the wasm build's does (enforceHeap: false). Rounds rotate which board goes first;
// the figure that carries over is the median ratio enforced / growing per workload. Never part
// of the test suite.
//
// Workloads, each one probe (one call into the interpreter, so the wasm build cannot collect in
// it and the model answers every time the heap fills): `garbage` makes BENCH_GARBAGE_KB of 1 KB
// buffers nobody keeps; `strings` builds and drops 20,000 short strings; `keep` holds 60 KB in a
// list, then lets go. Options (environment): BENCH_ROUNDS (default 7), BENCH_GARBAGE_KB (4000).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { envInt, median } from './bench-stats.js';
import { closeTestBoards, createTestBoard } from '../src-main/sim/test-boards.js';
import type { VirtualBoard } from '../src-main/sim/virtual-board.js';

const ROUNDS = envInt('BENCH_ROUNDS', 7);
const GARBAGE_KB = envInt('BENCH_GARBAGE_KB', 4000);
const WORK: Record<string, string> = {
  garbage: `for _i in range(${GARBAGE_KB}):\n    _b = bytearray(1024)\n_b = None`,
  strings: '_s = 0\nfor _i in range(20000):\n    _s += len("n%d" % _i)',
  keep: '_k = [bytearray(1024) for _ in range(60)]\n_k = None',
};
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function timed(board: VirtualBoard, code: string): Promise<number> {
  const t0 = performance.now();
  await board.probe(code, 120_000);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const boards = { enforced: createTestBoard({ id: 'enforced' }), growing: createTestBoard({ id: 'growing', enforceHeap: false }) };
  await Promise.all([boards.enforced.powerOn(), boards.growing.powerOn()]);
  const times: Record<string, { enforced: number[]; growing: number[]; ratio: number[] }> = {};
  for (const name of Object.keys(WORK)) times[name] = { enforced: [], growing: [], ratio: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? (['growing', 'enforced'] as const) : (['enforced', 'growing'] as const);
    for (const [name, code] of Object.entries(WORK)) {
      const ms: Record<string, number> = {};
      for (const which of order) ms[which] = await timed(boards[which], code);
      times[name]!.enforced.push(ms.enforced!);
      times[name]!.growing.push(ms.growing!);
      times[name]!.ratio.push(ms.enforced! / ms.growing!);
    }
    log(`round ${round + 1}/${ROUNDS}`);
  }
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const results = {
    rounds: ROUNDS,
    garbageKB: GARBAGE_KB,
    workloads: Object.fromEntries(Object.entries(times).map(([name, t]) => [name, {
      enforcedMs: r2(median(t.enforced)), growingMs: r2(median(t.growing)), ratio: r2(median(t.ratio)),
    }])),
  };
  console.log(JSON.stringify(results, null, 2));
  const outDir = process.env.BENCH_RESULTS_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'heap-model.json'), `${JSON.stringify(results, null, 2)}\n`);
  await closeTestBoards();
}

await main();
