// A firmware rollout at fleet scale (`npm run bench:rollout`, issue 12): mosquitto, a protocol-level
// swarm (src-main/testing/board-swarm.ts) of ROLLOUT_BOARDS online boards, and the real Engine with
// the rollout runner `mqboard rollout start` uses. The same image goes first to one board, then to
// all the others (waves 1, 10 %, the rest; ROLLOUT_CONCURRENCY at a time), side by side in one run:
// the figure is the ratio of the two times, with boards per minute and the console's RSS.
// Options (environment): ROLLOUT_BOARDS (1000), ROLLOUT_CONCURRENCY (50), ROLLOUT_IMAGE_KB (64).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../src-main/core/engine.js';
import { buildAppImage } from '../src-main/sim/firmware-image-builder.js';
import { BoardSwarm } from '../src-main/testing/board-swarm.js';
import { startMosquitto } from '../src-main/testing/mosquitto.js';
import { runFirmwareRollout } from '../src-main/testing/swarm-rollout.js';
import { envNum, mb } from './bench-stats.js';

const BOARDS = envNum('ROLLOUT_BOARDS', 1000);
const CONCURRENCY = envNum('ROLLOUT_CONCURRENCY', 50);
const IMAGE_KB = envNum('ROLLOUT_IMAGE_KB', 64);
// What a healthy swarm board takes: 300 ms away on its reset, confirmed 500 ms after; stable 1 s.
const GATE = { onlineWithinS: 60, confirmWithinS: 30, stableS: 1 };

async function main(): Promise<void> {
  const broker = await startMosquitto();
  const swarm = await BoardSwarm.start({ url: broker.url, known: BOARDS + 1, online: BOARDS + 1 });
  const engine = new Engine();
  const profileId = 'bench';
  const run = async (targets: string[], version: string) => {
    const image = buildAppImage({ version, totalSize: IMAGE_KB * 1024 });
    const r = await runFirmwareRollout(engine, profileId, { image, version, targets, waves: [{ count: 1 }, { percent: 10 }, { percent: 100 }], concurrency: CONCURRENCY, gate: GATE, timeoutMs: 30_000 });
    if (r.rollout.status !== 'done') throw new Error(`rollout ${r.rollout.status}: ${r.rollout.reason ?? ''}`);
    return r.ms;
  };
  await engine.connect({ id: profileId, name: 'bench', url: broker.url });
  await new Promise((r) => setTimeout(r, 3000)); // the retained statuses arrive
  const [one, ...rest] = swarm.onlinePrefixes;
  const rssBefore = process.memoryUsage().rss;
  const oneMs = await run([one!], 'v1.3.0-one');
  const allMs = await run(rest, 'v1.3.0-all');
  const results = {
    date: new Date().toISOString(), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`, node: process.version,
    boards: rest.length, concurrency: CONCURRENCY, imageKB: IMAGE_KB, gate: GATE,
    oneBoardMs: Math.round(oneMs), allBoardsMs: Math.round(allMs),
    ratio: Math.round((allMs / oneMs) * 10) / 10,
    idealRatio: Math.round((2 + Math.ceil((rest.length - 1 - Math.ceil(rest.length / 10)) / CONCURRENCY)) * 10) / 10,
    boardsPerMinute: Math.round((rest.length / allMs) * 60_000),
    uploadedMB: Math.round((rest.length * IMAGE_KB) / 1024),
    processRssMB: { before: mb(rssBefore), after: mb(process.memoryUsage().rss) },
    swarmResets: swarm.counts.resets,
  };
  console.log(JSON.stringify(results, null, 2));
  const outDir = process.env.BENCH_RESULTS_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'rollout-scale.json'), `${JSON.stringify(results, null, 2)}\n`);
  await engine.close();
  await swarm.close();
  await broker.close();
}

await main();
