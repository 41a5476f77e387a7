// Benchmark of the console's transfer engines against virtual boards (`npm run bench:engine`;
// bench/run-engine-bench.mjs bundles and runs this file). Never part of the test suite.
//
// Every figure that matters is a RATIO of two things measured side by side in the same run,
// through the same broker, rounds rotated, median of the per-round ratios:
//  1. OTA of a 1.5 MB image to a board vs the raw broker pipe (the same bytes published by mqtt.js
//     in 4 KB QoS 1 messages to a plain mqtt.js subscriber). Goal: >= 50 %.
//  2. eval round trip (p50/p99) vs a raw publish -> echo client -> subscribe round trip. Goal: p50 <= 1.5x.
//  3. put and get throughput vs the raw pipe.
//  4. 10 boards upgraded at once vs one board.
// Diagnostics (where the time goes): an eval sent by plain mqtt.js straight to the board with its
// reply topics already subscribed, and the OTA with twice the protocol's window.
// Brokers: aedes (the embedded broker, TCP_NODELAY on), mosquitto as installed (Nagle's algorithm
// on: a small packet waits up to 40 ms for the peer's delayed ACK) and mosquitto-nodelay
// (`set_tcp_nodelay true`, what a deployment should use).
// Environment: BENCH_BROKERS (default "aedes,mosquitto,mosquitto-nodelay"), BENCH_ROUNDS (5),
// BENCH_SIZE (1500000), BENCH_EVALS (200), BENCH_FILE_SIZE (300000), BENCH_FLEET (10),
// BENCH_FLEET_SIZE (1500000), BENCH_SETTLE_S (15: after the boards booted, before measuring);
// BENCH_CONSOLE_NODELAY=1 also turns Nagle's algorithm off on the engine's own socket (diagnostic;
// the raw reference clients always have it off); BENCH_NO_BUILD=1 skips rebuilding dist/main.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { Engine } from '../src-main/core/engine.js';
import type { BoardClient } from '../src-main/core/board-client.js';
import { getFile, putFile } from '../src-main/core/file-transfer.js';
import { OtaEngine } from '../src-main/core/ota-engine.js';
import { buildAppImage } from '../src-main/sim/firmware-image-builder.js';
import { VirtualFleet } from '../src-main/sim/fleet.js';
import { simPaths } from '../src-main/sim/sim-paths.js';
import type { VirtualBoard } from '../src-main/sim/virtual-board.js';
import { makeTempDir } from '../src-main/sim/test-boards.js';
import type { BrokerKind, TestBroker } from '../src-main/testing/brokers.js';
import { startTestBroker } from '../src-main/testing/brokers.js';
import { startMosquitto } from '../src-main/testing/mosquitto.js';
import { median, percentile, rawBoardEval, rawEchoRoundTrip, rawPipe, round } from './engine-bench-raw.js';

const envInt = (name: string, def: number) => {
  const v = Number.parseInt(process.env[name] ?? '', 10);
  return Number.isFinite(v) && v > 0 ? v : def;
};
type BenchBroker = BrokerKind | 'mosquitto-nodelay';
const BROKERS = (process.env.BENCH_BROKERS ?? 'aedes,mosquitto,mosquitto-nodelay').split(',').map((s) => s.trim()) as BenchBroker[];
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const SETTLE_S = envInt('BENCH_SETTLE_S', 15);
const SIZE = envInt('BENCH_SIZE', 1_500_000);
const EVALS = envInt('BENCH_EVALS', 200);
const FILE_SIZE = envInt('BENCH_FILE_SIZE', 300_000);
const FLEET = envInt('BENCH_FLEET', 10);
const FLEET_SIZE = envInt('BENCH_FLEET_SIZE', 1_500_000);
const CONSOLE_NODELAY = process.env.BENCH_CONSOLE_NODELAY === '1';
const MB = 1e6;
const mbps = (bytes: number, ms: number) => round(bytes / MB / (ms / 1000));
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
let imageSeq = 0;
/** A fresh image each time (another SHA-256): no upload ever resumes from an earlier round. */
const image = (size: number) => buildAppImage({ version: `v0.0.${++imageSeq}-bench`, projectName: 'bench', totalSize: size });

interface Rig {
  broker: TestBroker;
  fleet: VirtualFleet;
  engine: Engine;
  boards: BoardClient[];
  pub: MqttClient;
  sub: MqttClient;
  echo: MqttClient;
}

async function startBenchRig(kind: BenchBroker, count: number): Promise<Rig> {
  // A watchdog that does not bite while ten boards share two cores, and rare status messages.
  const fleet = VirtualFleet.open({ dir: makeTempDir('mqboard-bench-'), count, firmwareDir: simPaths().boardDir, boardConfig: { watchdog: { timeout: 300, allok: 10, revert: false }, status_interval: 300 } });
  const users = { ...fleet.brokerUsers(), console: 'console-pw' };
  const broker: TestBroker = kind === 'mosquitto-nodelay'
    ? { kind: 'mosquitto', ...(await startMosquitto({ users, extraConfig: 'set_tcp_nodelay true' })) }
    : await startTestBroker(kind, { users });
  fleet.configure({ host: '127.0.0.1', port: broker.port, tls: false });
  const queue = [...fleet.boards];
  await Promise.all([0, 1, 2].map(async () => {
    for (let b = queue.shift(); b; b = queue.shift()) await powerOnRetrying(b);
  }));
  const engine = new Engine();
  await engine.connect({ id: 'b', name: 'bench', url: broker.url, username: 'console', password: 'console-pw' }, { discover: false });
  const boards: BoardClient[] = [];
  for (const rec of fleet.records) boards.push((await engine.openBoard('b', rec.prefix, { waitMs: 60_000, timeoutMs: 30_000 })).client);
  const connect = async (id: string) => noDelay(await mqtt.connectAsync(broker.url, { username: 'console', password: 'console-pw', clientId: `bench-${id}-${process.pid}` }));
  // The session's mqtt.js client is private: reached here for the diagnostic only.
  if (CONSOLE_NODELAY) noDelay((engine.session('b') as unknown as { client: MqttClient }).client);
  return { broker, fleet, engine, boards, pub: await connect('pub'), sub: await connect('sub'), echo: await connect('echo') };
}

/**
 * A board whose emulator failed to start is tried again (seen when another process rebuilds
 * dist/main while a worker loads its Python shims, as in bench/sim-bridge.bench.ts).
 */
async function powerOnRetrying(b: VirtualBoard): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await b.powerOn();
      if (b.power !== 'halted') return;
      throw new Error('the emulator halted at start');
    } catch (e) {
      if (i >= 3) throw e;
      log(`board ${b.id}: ${(e as Error).message}; powering on again`);
      await b.powerOff().catch(() => undefined);
    }
  }
}

/** The references get the best a plain client can do: every packet sent at once. */
function noDelay(c: MqttClient): MqttClient {
  (c.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  return c;
}

async function closeRig(r: Rig): Promise<void> {
  await Promise.all([r.pub.endAsync(true), r.sub.endAsync(true), r.echo.endAsync(true)]);
  await r.engine.close();
  await r.fleet.stop();
  await r.broker.close();
}

/** Diagnostic only: the same upload with a larger window than the protocol's 16 messages. */
function widerWindow(board: BoardClient, window: number): BoardClient {
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
  const rig = await startBenchRig(kind, FLEET);
  const one = rig.boards[0]!;
  try {
    // Let the boots finish (all-OK, first statuses), then warm up: the first command of a kind
    // imports its module on the board.
    await new Promise((r) => setTimeout(r, SETTLE_S * 1000));
    await otaMs([one], 100_000);
    await putFile(one, '/bench.bin', new Uint8Array(10_000));
    await getFile(one, '/bench.bin');
    // 1. OTA vs the raw pipe
    const ota: number[] = [];
    const raw: number[] = [];
    const wide: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const steps = [
        async () => void ota.push((await otaMs([one], SIZE)).ms),
        async () => void raw.push(await rawPipe(rig.pub, rig.sub, SIZE, 4096)),
        async () => void wide.push((await otaMs([widerWindow(one, 32)], SIZE)).ms),
      ];
      for (let k = 0; k < steps.length; k++) await steps[(k + i) % steps.length]!();
      log(`${kind}: OTA round ${i + 1}/${ROUNDS}: ota ${round(ota[i]!)} ms, raw pipe ${round(raw[i]!)} ms, window 32 ${round(wide[i]!)} ms`);
    }
    const otaShare = median(ota.map((t, i) => raw[i]! / t));

    // 2. eval round trip vs a raw echo round trip, interleaved
    const evalRtt: number[] = [];
    const rawRtt: number[] = [];
    const boardRtt: number[] = [];
    await one.request('eval', { payload: '1' });
    for (let i = 0; i < EVALS; i++) {
      const t0 = performance.now();
      await one.request('eval', { payload: '1' });
      evalRtt.push(performance.now() - t0);
      rawRtt.push(await rawEchoRoundTrip(rig.pub, rig.echo, i));
      boardRtt.push(await rawBoardEval(rig.sub, one.prefix, i));
    }
    await rig.sub.unsubscribeAsync(`${one.prefix}/mqb/reply/+/+`);
    log(`${kind}: eval p50 ${round(percentile(evalRtt, 50))} ms, raw p50 ${round(percentile(rawRtt, 50))} ms`);

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
        goalMet: otaShare >= 0.5,
        diagWindow32MBps: mbps(SIZE, median(wide)),
        diagWindow32ToWindow16: round(median(wide.map((t, i) => ota[i]! / t))),
      },
      eval: {
        n: EVALS,
        evalP50Ms: round(percentile(evalRtt, 50)),
        evalP99Ms: round(percentile(evalRtt, 99)),
        rawP50Ms: round(percentile(rawRtt, 50)),
        rawP99Ms: round(percentile(rawRtt, 99)),
        p50Ratio: round(percentile(evalRtt, 50) / percentile(rawRtt, 50)),
        p99Ratio: round(percentile(evalRtt, 99) / percentile(rawRtt, 99)),
        diagRawBoardEvalP50Ms: round(percentile(boardRtt, 50)),
        diagRawBoardEvalP99Ms: round(percentile(boardRtt, 99)),
        goalMet: percentile(evalRtt, 50) / percentile(rawRtt, 50) <= 1.5,
      },
      files: {
        bytes: FILE_SIZE,
        putMBps: mbps(FILE_SIZE, median(put)),
        getMBps: mbps(FILE_SIZE, median(get)),
        rawPipeMBps: mbps(FILE_SIZE, median(rawFile)),
        putShareOfRawPipe: round(median(put.map((t, i) => rawFile[i]! / t))),
        getShareOfRawPipe: round(median(get.map((t, i) => rawFile[i]! / t))),
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
  const results: Record<string, unknown> = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAvgAtStart: os.loadavg().map((x) => round(x)), rounds: ROUNDS, consoleNoDelay: CONSOLE_NODELAY };
  const rows: Array<[string, string]> = [];
  for (const kind of BROKERS) {
    const r = (await benchBroker(kind)) as Record<string, Record<string, number | boolean>>;
    results[kind] = r;
    const { ota, eval: ev, files, fleet } = r as Record<string, Record<string, number | boolean>>;
    rows.push([`${kind} OTA ${SIZE} B`, `${ota!.otaMBps} MB/s vs raw pipe ${ota!.rawPipeMBps} MB/s: ${Math.round(Number(ota!.otaShareOfRawPipe) * 100)} % (goal >= 50 %: ${ota!.goalMet ? 'MET' : 'NOT met'})`]);
    rows.push([`${kind} diag OTA window 32`, `${ota!.diagWindow32MBps} MB/s (${ota!.diagWindow32ToWindow16}x the speed with the protocol's 16)`]);
    rows.push([`${kind} eval round trip`, `p50 ${ev!.evalP50Ms} ms / p99 ${ev!.evalP99Ms} ms vs raw p50 ${ev!.rawP50Ms} ms / p99 ${ev!.rawP99Ms} ms: p50 ${ev!.p50Ratio}x, p99 ${ev!.p99Ratio}x (goal p50 <= 1.5x: ${ev!.goalMet ? 'MET' : 'NOT met'})`]);
    rows.push([`${kind} diag raw eval`, `plain mqtt.js straight to the board, replies pre-subscribed: p50 ${ev!.diagRawBoardEvalP50Ms} ms / p99 ${ev!.diagRawBoardEvalP99Ms} ms`]);
    rows.push([`${kind} put / get ${FILE_SIZE} B`, `put ${files!.putMBps} MB/s (${Math.round(Number(files!.putShareOfRawPipe) * 100)} % of raw), get ${files!.getMBps} MB/s (${Math.round(Number(files!.getShareOfRawPipe) * 100)} % of raw), raw pipe ${files!.rawPipeMBps} MB/s`]);
    rows.push([`${kind} ${FLEET} boards at once`, `${fleet!.allBoardsMs} ms vs ${fleet!.oneBoardMs} ms for one: ${fleet!.ratioAllToOne}x the time for ${FLEET}x the boards (${fleet!.aggregateMBps} MB/s aggregate vs ${fleet!.oneBoardMBps} MB/s)`]);
  }
  results.loadAvgAtEnd = os.loadavg().map((x) => round(x));
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nengine benchmark (node ${process.version}, ${ROUNDS} rounds, load ${JSON.stringify(results.loadAvgAtStart)} -> ${JSON.stringify(results.loadAvgAtEnd)}):`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  const outDir = process.env.BENCH_RESULTS_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, CONSOLE_NODELAY ? 'engine-console-nodelay.latest.json' : 'engine.latest.json');
  fs.writeFileSync(outFile, `${JSON.stringify({ ...results, table: Object.fromEntries(rows) }, null, 2)}\n`);
  console.log(`\nwritten to ${outFile}`);
  setTimeout(() => {
    log(`still alive 15 s after the end: ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit(2);
  }, 15_000).unref();
}

await main();
