// Benchmark of the console's transfer engines against virtual boards (`npm run bench:engine`;
// bench/run-engine-bench.mjs bundles and runs this file). Never part of the test suite.
//
// Every figure that matters is a RATIO of two things measured side by side in the same run,
// through the same broker, rounds rotated, median of the per-round ratios:
//  1. OTA of a 1.5 MB image to a board vs the raw broker pipe (the same bytes published by mqtt.js
//     in 4 KB QoS 1 messages to a plain mqtt.js subscriber). Goal: >= 50 %.
//  2. eval round trip (p50/p99) vs a raw publish -> subscribe round trip (one QoS 1 message a plain
//     mqtt.js client publishes to a topic it subscribed). Goal: p50 <= 1.5x. For context also a
//     raw echo round trip (console -> broker -> a trivial Node echo client -> broker -> console).
//  3. put and get throughput vs the raw pipe.
//  4. 10 boards upgraded at once vs one board.
// Spread: every ratio is also given as min / median / max over the rounds (the evals are cut in
// BENCH_ROUNDS blocks for that), since the machine is shared.
// Diagnostics (where the time goes): an eval sent by plain mqtt.js straight to the board with its
// reply topics already subscribed; the OTA with version 1's window (16) instead of the one the
// board announces (ours: 64); the floors of any firmware on this virtual board, measured with the
// board's own MQTT client and no protocol on top: the raw pipe to the board (the same bytes to a
// handler that only counts them) and the board echo (a handler that publishes straight back).
// Brokers: aedes (the embedded broker, TCP_NODELAY on), mosquitto as installed (Nagle's algorithm
// on: a small packet waits up to 40 ms for the peer's delayed ACK) and mosquitto-nodelay
// (`set_tcp_nodelay true`, what a deployment should use).
// Environment: BENCH_BROKERS (default "aedes,mosquitto,mosquitto-nodelay"), BENCH_ROUNDS (5),
// BENCH_SIZE (1500000), BENCH_EVALS (200), BENCH_FILE_SIZE (300000), BENCH_FLEET (10),
// BENCH_FLEET_SIZE (1500000), BENCH_SETTLE_S (15: after the boards booted, before measuring);
// BENCH_CONSOLE_NAGLE=1 turns Nagle's algorithm back ON on the engine's own socket (diagnostic:
// what TCP_NODELAY buys; the raw reference clients always have it off); BENCH_OUT names the
// results file, in bench/results unless the path is absolute (default engine.latest.json);
// BENCH_NO_BUILD=1 skips rebuilding dist/main.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BoardClient } from '../src-main/core/board-client.js';
import { getFile, putFile } from '../src-main/core/file-transfer.js';
import { OtaEngine } from '../src-main/core/ota-engine.js';
import { WINDOW } from '../src-main/common/protocol.js';
import { buildAppImage } from '../src-main/sim/firmware-image-builder.js';
import { median, percentile, rawBoardEcho, rawBoardEval, rawBoardPipe, rawEchoRoundTrip, rawLoopRoundTrip, rawPipe, round, spread } from './engine-bench-raw.js';
import { summaryRows } from './engine-bench-report.js';
import { closeRig, startBenchRig } from './engine-bench-rig.js';
import type { BenchBroker } from './engine-bench-rig.js';

const envInt = (name: string, def: number) => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : def;
};
const BROKERS = (process.env.BENCH_BROKERS ?? 'aedes,mosquitto,mosquitto-nodelay').split(',').map((s) => s.trim()) as BenchBroker[];
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const SETTLE_S = envInt('BENCH_SETTLE_S', 15);
const SIZE = envInt('BENCH_SIZE', 1_500_000);
const EVALS = envInt('BENCH_EVALS', 200);
const FILE_SIZE = envInt('BENCH_FILE_SIZE', 300_000);
const FLEET = envInt('BENCH_FLEET', 10);
const FLEET_SIZE = envInt('BENCH_FLEET_SIZE', 1_500_000);
const CONSOLE_NAGLE = process.env.BENCH_CONSOLE_NAGLE === '1';
const MB = 1e6;
const mbps = (bytes: number, ms: number) => round(bytes / MB / (ms / 1000));
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
let imageSeq = 0;
/** A fresh image each time (another SHA-256): no upload ever resumes from an earlier round. */
const image = (size: number) => buildAppImage({ version: `v0.0.${++imageSeq}-bench`, projectName: 'bench', totalSize: size });

/** Diagnostic only: the same upload with another window than the one the board announced. */
function withWindow(board: BoardClient, window: number): BoardClient {
  return Object.assign(Object.create(board) as BoardClient, { send: (cmd: string, o: Parameters<BoardClient['send']>[1]) => board.send(cmd, { ...o, window }) });
}

async function otaMs(boards: BoardClient[], size: number): Promise<{ ms: number; perBoardMs: number[] }> {
  const img = image(size);
  const t0 = performance.now();
  const results = await new OtaEngine().start(boards.map((board) => ({ board, image: img })), { concurrency: boards.length, attempts: 1 });
  const ms = performance.now() - t0;
  const failed = results.find((x) => !x.ok);
  if (failed) throw new Error(`OTA to ${failed.prefix} failed: ${failed.error?.message}`);
  return { ms, perBoardMs: results.map((x) => x.elapsedMs) };
}

async function benchBroker(kind: BenchBroker): Promise<Record<string, unknown>> {
  log(`${kind}: starting ${FLEET} boards`);
  const rig = await startBenchRig(kind, FLEET, { consoleNagle: CONSOLE_NAGLE, log });
  const one = rig.boards[0]!;
  try {
    // Let the boots finish (all-OK, first statuses), then warm up: the first command of a kind
    // imports its module on the board.
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    await otaMs([one], 100_000);
    // ... and both sides of each ratio once at full size: V8 compiles hot wasm and JS again
    // with its optimizing tier, on the board as in the broker and the console.
    await otaMs([one], SIZE);
    await rawPipe(rig.pub, rig.sub, SIZE, 4096);
    await rawBoardPipe(one, rig.pub, rig.sub, SIZE, 4096);
    await putFile(one, '/bench.bin', new Uint8Array(10_000));
    await getFile(one, '/bench.bin');
    // 1. OTA vs the raw pipe
    const ota: number[] = [];
    const raw: number[] = [];
    const v1Window: number[] = [];
    const toBoard: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const steps = [
        async () => void ota.push((await otaMs([one], SIZE)).ms),
        async () => void raw.push(await rawPipe(rig.pub, rig.sub, SIZE, 4096)),
        async () => void v1Window.push((await otaMs([withWindow(one, WINDOW)], SIZE)).ms),
        async () => void toBoard.push(await rawBoardPipe(one, rig.pub, rig.sub, SIZE, 4096)),
      ];
      for (let k = 0; k < steps.length; k++) await steps[(k + i) % steps.length]!();
      log(`${kind}: OTA round ${i + 1}/${ROUNDS}: ota ${round(ota[i]!)} ms, raw pipe ${round(raw[i]!)} ms, window ${WINDOW} ${round(v1Window[i]!)} ms, raw pipe to the board ${round(toBoard[i]!)} ms`);
    }
    const otaShare = median(ota.map((t, i) => raw[i]! / t));

    // 2. eval round trip vs a raw publish -> subscribe round trip, interleaved, in ROUNDS blocks
    const evalRtt: number[] = [];
    const loopRtt: number[] = [];
    const echoRtt: number[] = [];
    const boardRtt: number[] = [];
    const boardEchoRtt: number[] = [];
    const blockRatios: number[] = [];
    await one.request('eval', { payload: '1' });
    const perBlock = Math.max(1, Math.floor(EVALS / ROUNDS));
    for (let i = 0; i < EVALS; i++) {
      // Rotated: each kind follows each other kind equally often (what the previous one leaves
      // running, such as the board's PUBACKs, lands on all of them alike).
      const steps = [
        async () => {
          const t0 = performance.now();
          await one.request('eval', { payload: '1' });
          evalRtt.push(performance.now() - t0);
        },
        async () => void loopRtt.push(await rawLoopRoundTrip(rig.pub, i)),
        async () => void echoRtt.push(await rawEchoRoundTrip(rig.pub, rig.echo, i)),
        async () => void boardRtt.push(await rawBoardEval(rig.sub, one.prefix, i)),
        async () => void boardEchoRtt.push(await rawBoardEcho(one, rig.echo, i)),
      ];
      for (let k = 0; k < steps.length; k++) await steps[(k + i) % steps.length]!();
      if ((i + 1) % perBlock === 0) blockRatios.push(percentile(evalRtt.slice(-perBlock), 50) / percentile(loopRtt.slice(-perBlock), 50));
    }
    await rig.sub.unsubscribeAsync(`${one.prefix}/mqb/reply/+/+`);
    log(`${kind}: eval p50 ${round(percentile(evalRtt, 50))} ms, raw publish -> subscribe p50 ${round(percentile(loopRtt, 50))} ms, echo p50 ${round(percentile(echoRtt, 50))} ms`);

    // 3. put / get throughput vs the raw pipe
    const data = new Uint8Array(FILE_SIZE).map((_, i) => (i * 7) & 0xff);
    const put: number[] = [];
    const get: number[] = [];
    const rawFile: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let t0 = performance.now();
      await putFile(one, '/bench.bin', data);
      put.push(performance.now() - t0);
      t0 = performance.now();
      const got = await getFile(one, '/bench.bin');
      get.push(performance.now() - t0);
      if (got.bytes !== FILE_SIZE) throw new Error('get returned the wrong size');
      rawFile.push(await rawPipe(rig.pub, rig.sub, FILE_SIZE, 4096));
    }

    // 4. the whole fleet at once vs one board
    log(`${kind}: OTA of ${FLEET_SIZE} bytes to 1 board, then to ${FLEET} at once`);
    const single = await otaMs([one], FLEET_SIZE);
    const all = await otaMs(rig.boards, FLEET_SIZE);
    return {
      ota: {
        bytes: SIZE,
        samplesOtaMs: ota.map((x) => round(x)),
        samplesRawPipeMs: raw.map((x) => round(x)),
        otaMBps: mbps(SIZE, median(ota)),
        rawPipeMBps: mbps(SIZE, median(raw)),
        otaShareOfRawPipe: round(otaShare),
        otaShareSpread: spread(ota.map((t, i) => raw[i]! / t)),
        goalMet: otaShare >= 0.5,
        window: one.window,
        diagWindow16MBps: mbps(SIZE, median(v1Window)),
        diagAnnouncedToWindow16: round(median(v1Window.map((t, i) => t / ota[i]!))),
        diagRawPipeToBoardMBps: mbps(SIZE, median(toBoard)),
        diagRawPipeToBoardShare: round(median(toBoard.map((t, i) => raw[i]! / t))),
        diagOtaShareOfRawPipeToBoard: round(median(ota.map((t, i) => toBoard[i]! / t))),
      },
      eval: {
        n: EVALS,
        evalP50Ms: round(percentile(evalRtt, 50)),
        evalP99Ms: round(percentile(evalRtt, 99)),
        rawP50Ms: round(percentile(loopRtt, 50)),
        rawP99Ms: round(percentile(loopRtt, 99)),
        p50Ratio: round(percentile(evalRtt, 50) / percentile(loopRtt, 50)),
        p99Ratio: round(percentile(evalRtt, 99) / percentile(loopRtt, 99)),
        p50RatioSpread: spread(blockRatios),
        echoP50Ms: round(percentile(echoRtt, 50)),
        echoP99Ms: round(percentile(echoRtt, 99)),
        p50RatioToEcho: round(percentile(evalRtt, 50) / percentile(echoRtt, 50)),
        diagRawBoardEvalP50Ms: round(percentile(boardRtt, 50)),
        diagRawBoardEvalP99Ms: round(percentile(boardRtt, 99)),
        diagBoardEchoP50Ms: round(percentile(boardEchoRtt, 50)),
        diagBoardEchoP99Ms: round(percentile(boardEchoRtt, 99)),
        p50RatioToBoardEcho: round(percentile(evalRtt, 50) / percentile(boardEchoRtt, 50)),
        goalMet: percentile(evalRtt, 50) / percentile(loopRtt, 50) <= 1.5,
      },
      files: {
        bytes: FILE_SIZE,
        putMBps: mbps(FILE_SIZE, median(put)),
        getMBps: mbps(FILE_SIZE, median(get)),
        rawPipeMBps: mbps(FILE_SIZE, median(rawFile)),
        putShareOfRawPipe: round(median(put.map((t, i) => rawFile[i]! / t))),
        getShareOfRawPipe: round(median(get.map((t, i) => rawFile[i]! / t))),
        putMBpsSpread: spread(put.map((t) => mbps(FILE_SIZE, t))),
        getMBpsSpread: spread(get.map((t) => mbps(FILE_SIZE, t))),
      },
      fleet: {
        boards: FLEET,
        bytes: FLEET_SIZE,
        oneBoardMs: round(single.ms),
        allBoardsMs: round(all.ms),
        ratioAllToOne: round(all.ms / single.ms),
        aggregateMBps: mbps(FLEET_SIZE * FLEET, all.ms),
        oneBoardMBps: mbps(FLEET_SIZE, single.ms),
        perBoardMsMedian: round(median(all.perBoardMs)),
      },
    };
  } finally {
    await closeRig(rig);
  }
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAvgAtStart: os.loadavg().map((x) => round(x)), rounds: ROUNDS, consoleNagle: CONSOLE_NAGLE };
  const rows: Array<[string, string]> = [];
  for (const kind of BROKERS) {
    const r = (await benchBroker(kind)) as Record<string, Record<string, unknown>>;
    results[kind] = r;
    rows.push(...summaryRows(kind, r, { size: SIZE, fileSize: FILE_SIZE, fleet: FLEET }));
  }
  results.loadAvgAtEnd = os.loadavg().map((x) => round(x));
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nengine benchmark (node ${process.version}, ${ROUNDS} rounds, load ${JSON.stringify(results.loadAvgAtStart)} -> ${JSON.stringify(results.loadAvgAtEnd)}):`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  const outDir = process.env.BENCH_RESULTS_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.resolve(outDir, process.env.BENCH_OUT ?? (CONSOLE_NAGLE ? 'engine-console-nagle.latest.json' : 'engine.latest.json'));
  fs.writeFileSync(outFile, `${JSON.stringify({ ...results, table: Object.fromEntries(rows) }, null, 2)}\n`);
  console.log(`\nwritten to ${outFile}`);
  setTimeout(() => {
    log(`still alive 15 s after the end: ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit(2);
  }, 15_000).unref();
}

await main();
