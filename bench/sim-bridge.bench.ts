// Benchmark of the virtual board's simulator: bytes through the Python <-> Node socket bridge,
// board boot time, and memory per board. Run with `npm run bench:sim` (bench/run-sim-bench.mjs
// builds dist/main, bundles this file into dist/bench and runs it). Never part of the test suite.
//
// The machine is small and noisy (2 cores), so every figure that matters is a RATIO of two things
// measured side by side in the same run: several rounds, the order rotated each round, and the
// median of the per-round ratios reported. Absolute figures are printed too, for orientation.
// Only loopback traffic: the servers listen on 127.0.0.1.
//
// Options (environment): BENCH_ROUNDS (transfer rounds, default 7), BENCH_BOOTS (sequential boots,
// default 10), BENCH_PARALLEL (boards in the parallel cold start, default 10), BENCH_MEM_BOARDS
// (boards for the memory figure, default 20), BENCH_SIZE (bytes per transfer, default 1500000),
// BENCH_DEADLINE_S (give up after, default 1800); BENCH_NO_BUILD=1 skips rebuilding dist/main.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { envInt, median } from './bench-stats.js';
import { WIFI_UP, closeTestBoards, createTestBoard, makeTempDir } from '../src-main/sim/test-boards.js';
import type { VirtualBoard } from '../src-main/sim/virtual-board.js';

const ROUNDS = envInt('BENCH_ROUNDS', 7);
const BOOTS = envInt('BENCH_BOOTS', 10);
const PARALLEL = envInt('BENCH_PARALLEL', 10);
const MEM_BOARDS = envInt('BENCH_MEM_BOARDS', 20);
const SIZE = envInt('BENCH_SIZE', 1_500_000);
const DEADLINE_S = envInt('BENCH_DEADLINE_S', 1800);
const TARGET_MS = 500;
const MB = 1e6;

// --- small statistics helpers -------------------------------------------------------------------
const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);
const round = (x: number, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length]!);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const gc = (globalThis as { gc?: () => void }).gc;

// --- the loopback server: "GET <n> <tag>\n" streams n bytes then ends; "PUT <n> <tag>\n" counts
// n bytes from the client, then answers "K". Server-side times are kept per tag.
interface ServerTimes {
  request: number;
  done?: number;
}
const payload = randomBytes(SIZE);
const serverTimes = new Map<string, ServerTimes>();
const server = net.createServer((sock) => {
  sock.setNoDelay(true);
  let header = Buffer.alloc(0);
  let putLeft = -1;
  let tag = '';
  const onData = (chunk: Buffer) => {
    if (putLeft >= 0) {
      putLeft -= chunk.length;
      if (putLeft <= 0) finishPut();
      return;
    }
    header = Buffer.concat([header, chunk]);
    const nl = header.indexOf(10);
    if (nl < 0) return;
    const [verb, n, t] = header.subarray(0, nl).toString().split(' ');
    tag = t ?? '';
    serverTimes.set(tag, { request: performance.now() });
    const size = Number(n);
    if (verb === 'GET') {
      sock.end(payload.subarray(0, size));
    } else if (verb === 'PUT') {
      putLeft = size - (header.length - nl - 1);
      if (putLeft <= 0) finishPut();
    } else {
      sock.destroy();
    }
  };
  const finishPut = () => {
    const t = serverTimes.get(tag);
    if (t && t.done === undefined) t.done = performance.now();
    sock.write('K');
  };
  sock.on('data', onData);
  // For GET, "done" is when the client has read EOF and closed its side.
  sock.on('close', () => {
    const t = serverTimes.get(tag);
    if (t && t.done === undefined) t.done = performance.now();
  });
  sock.on('error', () => undefined);
});

let tagSeq = 0;
const newTag = (what: string) => `${what}-${++tagSeq}`;

// --- plain Node clients: the same protocol in the main thread and in a worker thread -------------
// Written as plain JavaScript so that the very same function runs in both (the worker evaluates
// its source text).
interface PlainResult {
  bytes: number;
  connectMs: number;
  /** Request written → EOF (recv) or → last chunk handed to the socket (send). */
  transferMs: number;
  /** send only: request written → server's "K" (every byte arrived). */
  ackMs?: number;
}
interface PlainJob {
  op: 'recv' | 'send';
  port: number;
  size: number;
  tag: string;
  chunk: number;
}
type PlainClient = (job: PlainJob) => Promise<PlainResult>;

const PLAIN_CLIENT_SOURCE = `async function plainClient(job) {
  const net = require('node:net');
  const { once } = require('node:events');
  const { performance } = require('node:perf_hooks');
  const t0 = performance.now();
  const sock = net.connect({ host: '127.0.0.1', port: job.port });
  sock.setNoDelay(true);
  await once(sock, 'connect');
  const t1 = performance.now();
  if (job.op === 'recv') {
    let bytes = 0;
    sock.on('data', (d) => { bytes += d.length; });
    sock.write('GET ' + job.size + ' ' + job.tag + '\\n');
    await once(sock, 'end');
    const t2 = performance.now();
    sock.destroy();
    return { bytes, connectMs: t1 - t0, transferMs: t2 - t1 };
  }
  const acked = once(sock, 'data');
  sock.write('PUT ' + job.size + ' ' + job.tag + '\\n');
  const data = Buffer.alloc(job.chunk, 0x55);
  let sent = 0;
  while (sent < job.size) {
    const n = Math.min(job.chunk, job.size - sent);
    const ok = sock.write(n < job.chunk ? data.subarray(0, n) : data);
    sent += n;
    if (!ok) await once(sock, 'drain');
  }
  const t2 = performance.now();
  await acked;
  const t3 = performance.now();
  sock.destroy();
  return { bytes: sent, connectMs: t1 - t0, transferMs: t2 - t1, ackMs: t3 - t1 };
}`;

const requireCjs = createRequire(import.meta.url);
const plainMain = new Function('require', `${PLAIN_CLIENT_SOURCE}\nreturn plainClient;`)(requireCjs) as PlainClient;

class PlainWorker {
  private readonly worker: Worker;
  private pending: ((r: PlainResult) => void) | undefined;
  constructor() {
    this.worker = new Worker(
      `const { parentPort } = require('node:worker_threads');\n${PLAIN_CLIENT_SOURCE}\nparentPort.on('message', async (job) => parentPort.postMessage(await plainClient(job)));`,
      { eval: true },
    );
    this.worker.on('message', (r: PlainResult) => this.pending?.(r));
  }
  /** One job at a time (the benchmark is sequential). */
  runJob(job: PlainJob): Promise<PlainResult> {
    const result = new Promise<PlainResult>((resolve) => (this.pending = resolve));
    this.worker.postMessage(job);
    return result;
  }
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

// --- the board side -------------------------------------------------------------------------------
const BOARD_BENCH_PY = `${WIFI_UP}
import asyncio, time, json, gc
import _simhost as _h

def run(tag, coro):
    async def _r():
        try:
            v = ["ok", await coro]
        except BaseException as e:
            v = ["err", repr(e)]
        print("BENCH:%s:%s" % (tag, json.dumps(v)))
    asyncio.create_task(_r())

async def recv(tag, port, size, bufsize):
    buf = bytearray(bufsize)
    t0 = time.ticks_us()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    t1 = time.ticks_us()
    w.write(("GET %d %s\\n" % (size, tag)).encode())
    await w.drain()
    total = 0
    first = -1
    calls = 0
    while True:
        n = await r.readinto(buf)
        calls += 1
        if not n:
            break
        if first < 0:
            first = time.ticks_diff(time.ticks_us(), t1)
        total += n
    t2 = time.ticks_us()
    await w.wait_closed()
    return [total, time.ticks_diff(t1, t0), time.ticks_diff(t2, t1), first, calls]

async def send(tag, port, size, chunk, drain_each=True):
    # drain_each=False is the diagnostic variant: the same writes with one drain() at the end.
    data = bytearray(chunk)
    for i in range(chunk):
        data[i] = i & 0xFF
    mv = memoryview(data)
    t0 = time.ticks_us()
    r, w = await asyncio.open_connection("127.0.0.1", port)
    t1 = time.ticks_us()
    w.write(("PUT %d %s\\n" % (size, tag)).encode())
    sent = 0
    while sent < size:
        n = min(chunk, size - sent)
        w.write(data if n == chunk else mv[:n])
        if drain_each:
            await w.drain()
        sent += n
    await w.drain()
    t2 = time.ticks_us()
    await r.readexactly(1)
    t3 = time.ticks_us()
    await w.wait_closed()
    return [sent, time.ticks_diff(t1, t0), time.ticks_diff(t2, t1), time.ticks_diff(t3, t1)]

async def recv_buffered(tag, port, size, bufsize, delay_ms):
    # Diagnostic: lets the whole stream arrive in the worker first, then times only the copies
    # into Python (readinto calls, no waiting for the network).
    buf = bytearray(bufsize)
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(("GET %d %s\\n" % (size, tag)).encode())
    await asyncio.sleep_ms(delay_ms)
    t1 = time.ticks_us()
    total = 0
    calls = 0
    while True:
        n = await r.readinto(buf)
        calls += 1
        if not n:
            break
        total += n
    t2 = time.ticks_us()
    await w.wait_closed()
    return [total, time.ticks_diff(t2, t1), calls]

def ticks_resolution_us():
    t = time.ticks_us()
    steps = []
    while len(steps) < 5:
        u = time.ticks_us()
        if u != t:
            steps.append(time.ticks_diff(u, t))
            t = u
    return min(steps)

# Diagnostics: what one await of a host (JavaScript) promise and one asyncio yield cost.
async def await_cost(n):
    t0 = time.ticks_us()
    for _ in range(n):
        await _h.net_drain(0)
    t1 = time.ticks_us()
    for _ in range(n):
        await asyncio.sleep_ms(0)
    t2 = time.ticks_us()
    for _ in range(n * 100):
        pass
    t3 = time.ticks_us()
    return [time.ticks_diff(t1, t0) / n, time.ticks_diff(t2, t1) / n, time.ticks_diff(t3, t2) / n / 100]
`;

let benchRoot = '';
let boardSeq = 0;
const boardRoot = () => path.join(benchRoot, `board-${++boardSeq}`);
const MAX_START_TRIES = 3;
let startupFailures = 0;

/**
 * powerOn(), then false when the emulator failed to start. powerOn() does not reject then: the
 * board just halts. (Seen here when dist/main was rebuilt by a concurrent `vitest` run while a
 * worker was loading its Python shims: "ImportError: no module named '_simboot'".)
 */
async function powerOnOk(board: VirtualBoard): Promise<boolean> {
  let serial = '';
  const onSerial = (text: string) => (serial += text);
  board.on('serial', onSerial);
  try {
    await board.powerOn();
  } finally {
    board.off('serial', onSerial);
  }
  if (board.power !== 'halted') return true;
  startupFailures++;
  log(`board ${board.id}: the emulator failed to start: ${serial.trim().split('\n').slice(-4).join(' | ')}`);
  await board.powerOff();
  return false;
}

async function powerOnRetrying(board: VirtualBoard): Promise<void> {
  for (let i = 0; i < MAX_START_TRIES; i++) if (await powerOnOk(board)) return;
  throw new Error(`board ${board.id}: the emulator failed to start ${MAX_START_TRIES} times`);
}

/** Waits for `event` (registered now, so call it before powerOn), failing after timeoutMs. */
function eventWithin(board: VirtualBoard, event: 'main-done', timeoutMs: number): { done: Promise<void>; cancel: () => void } {
  let cancel = () => undefined as void;
  const done = new Promise<void>((resolve, reject) => {
    const on = () => (clearTimeout(timer), resolve());
    const timer = setTimeout(() => (board.off(event, on), reject(new Error(`board ${board.id}: no '${event}' within ${timeoutMs} ms`))), timeoutMs);
    board.once(event, on);
    cancel = () => (clearTimeout(timer), board.off(event, on), resolve());
  });
  return { done, cancel };
}

/** Starts `expr` (an awaitable) as an asyncio task and resolves with its value, without polling. */
async function runOnBoard<T>(board: VirtualBoard, expr: string, timeoutMs = 120_000): Promise<T> {
  const tag = `r${++tagSeq}`;
  const printed = board.waitForSerial(new RegExp(`BENCH:${tag}:(.*)\\n`), timeoutMs);
  await board.probe(`bench.run("${tag}", ${expr})`);
  const seen = await printed;
  const m = new RegExp(`BENCH:${tag}:(.*)\\n`).exec(seen)!;
  const [status, value] = JSON.parse(m[1]!) as [string, unknown];
  if (status !== 'ok') throw new Error(`board ${board.id}: ${expr} failed: ${String(value)}`);
  return value as T;
}

async function startBenchBoard(id: string): Promise<VirtualBoard> {
  const board = createTestBoard({ id, root: boardRoot(), runBootFiles: false, files: { 'bench.py': BOARD_BENCH_PY } });
  await powerOnRetrying(board);
  await board.probe('import bench');
  const ip = await runOnBoard<string | number>(board, 'bench.wifi_up()');
  if (typeof ip !== 'string') throw new Error(`board ${id}: Wi-Fi did not come up (status ${ip})`);
  return board;
}

// --- 1 and 2: transfers ----------------------------------------------------------------------------
interface TransferSample {
  /** Time the transfer took as the client saw it (board: ticks_us on the board). */
  clientMs: number;
  /** Host wall time: client start → server saw the transfer complete. */
  hostMs: number;
  connectMs: number;
  extra?: Record<string, number>;
}

async function bridgeRecv(board: VirtualBoard, port: number, bufsize: number): Promise<TransferSample> {
  const tag = newTag(`brecv${bufsize}`);
  const t0 = performance.now();
  const [total, connectUs, transferUs, firstUs, calls] = await runOnBoard<number[]>(board, `bench.recv("${tag}", ${port}, ${SIZE}, ${bufsize})`);
  const tEnd = performance.now();
  if (total !== SIZE) throw new Error(`bridge recv got ${total} bytes, expected ${SIZE}`);
  const st = serverTimes.get(tag)!;
  await waitFor(() => st.done !== undefined);
  return {
    clientMs: transferUs! / 1000,
    hostMs: st.done! - t0,
    connectMs: connectUs! / 1000,
    extra: { firstByteMs: firstUs! / 1000, readintoCalls: calls!, serverReqToCloseMs: st.done! - st.request, hostToResultMs: tEnd - t0 },
  };
}

async function bridgeSend(board: VirtualBoard, port: number, chunk: number): Promise<TransferSample> {
  const tag = newTag(`bsend${chunk}`);
  const t0 = performance.now();
  const [sent, connectUs, writeUs, ackUs] = await runOnBoard<number[]>(board, `bench.send("${tag}", ${port}, ${SIZE}, ${chunk})`);
  if (sent !== SIZE) throw new Error(`bridge send sent ${sent} bytes, expected ${SIZE}`);
  const st = serverTimes.get(tag)!;
  return {
    clientMs: ackUs! / 1000,
    hostMs: st.done! - t0,
    connectMs: connectUs! / 1000,
    extra: { writeLoopMs: writeUs! / 1000, serverReqToLastByteMs: st.done! - st.request },
  };
}

async function bridgeSendNoDrain(board: VirtualBoard, port: number, chunk: number): Promise<TransferSample> {
  const tag = newTag(`bsendnd${chunk}`);
  const t0 = performance.now();
  const [sent, , writeUs, ackUs] = await runOnBoard<number[]>(board, `bench.send("${tag}", ${port}, ${SIZE}, ${chunk}, False)`);
  if (sent !== SIZE) throw new Error(`bridge send sent ${sent} bytes, expected ${SIZE}`);
  const st = serverTimes.get(tag)!;
  return { clientMs: ackUs! / 1000, hostMs: st.done! - t0, connectMs: Number.NaN, extra: { writeLoopMs: writeUs! / 1000 } };
}

/** Host-side cost of one event-loop hop, for comparison with the board's await cost. */
async function hopCostUs(kind: 'timeout0' | 'immediate', n = 300): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await new Promise((resolve) => (kind === 'immediate' ? setImmediate(resolve) : setTimeout(resolve, 0)));
  return ((performance.now() - t0) * 1000) / n;
}

async function plainTransfer(client: PlainClient, op: 'recv' | 'send', port: number, chunk: number): Promise<TransferSample> {
  const tag = newTag(`p${op}${chunk}`);
  const t0 = performance.now();
  const r = await client({ op, port, size: SIZE, tag, chunk });
  if (r.bytes !== SIZE) throw new Error(`plain ${op} moved ${r.bytes} bytes, expected ${SIZE}`);
  const st = serverTimes.get(tag)!;
  await waitFor(() => st.done !== undefined);
  return {
    clientMs: op === 'recv' ? r.transferMs : r.ackMs!,
    hostMs: st.done! - t0,
    connectMs: r.connectMs,
    ...(op === 'send' && { extra: { writeLoopMs: r.transferMs } }),
  };
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the server to see the transfer end');
    await sleep(1);
  }
}

interface VariantSummary {
  medianClientMs: number;
  medianHostMs: number;
  clientMBps: number;
  hostMBps: number;
  medianConnectMs: number;
  extra?: Record<string, number>;
  samplesClientMs: number[];
}

function summarise(samples: TransferSample[]): VariantSummary {
  const clientMs = median(samples.map((s) => s.clientMs));
  const hostMs = median(samples.map((s) => s.hostMs));
  const extraKeys = Object.keys(samples[0]?.extra ?? {});
  const extra: Record<string, number> = {};
  for (const k of extraKeys) extra[k] = round(median(samples.map((s) => s.extra?.[k] ?? Number.NaN)));
  return {
    medianClientMs: round(clientMs),
    medianHostMs: round(hostMs),
    clientMBps: round(mbps(SIZE, clientMs)),
    hostMBps: round(mbps(SIZE, hostMs)),
    medianConnectMs: round(median(samples.map((s) => s.connectMs))),
    ...(extraKeys.length > 0 && { extra }),
    samplesClientMs: samples.map((s) => round(s.clientMs, 1)),
  };
}

/** Runs each variant once per round (rotating the order) and returns the samples per variant. */
async function sideBySide(variants: Record<string, () => Promise<TransferSample>>, label: string): Promise<Record<string, TransferSample[]>> {
  const names = Object.keys(variants);
  for (const name of names) await variants[name]!(); // warm-up, not recorded
  const out: Record<string, TransferSample[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of rotate(names, r)) out[name]!.push(await variants[name]!());
    log(`${label}: round ${r + 1}/${ROUNDS} done`);
  }
  return out;
}

/** Median over rounds of (throughput of a) / (throughput of b) = time(b) / time(a), per round. */
function pairedRatio(a: TransferSample[], b: TransferSample[], key: 'clientMs' | 'hostMs' = 'clientMs'): number {
  return round(median(a.map((s, i) => b[i]![key] / s[key])), 3);
}

// --- 3: boot ------------------------------------------------------------------------------------------
const TRIVIAL_FILES = { 'boot.py': '# nothing\n', 'main.py': 'print("main up")\n' };

const BOOT_TIMEOUT_MS = 60_000;
const MAIN_OUTPUT = 'main up';

interface BootSample {
  /** powerOn() → 'boot' event: the host-side bootloader model (OTA data, image check). */
  bootloaderMs: number;
  /** powerOn() resolved: the worker has MicroPython and the shims up. */
  bootedMs: number;
  mainDoneMs: number;
  /** Whether main.py's output had reached the host when 'main-done' did. */
  outputBeforeMainDone: boolean;
}

/** One cold boot of a fresh board; undefined when the emulator failed to start (not timed). */
async function bootOnce(): Promise<BootSample | undefined> {
  const board = createTestBoard({ id: `boot-${boardSeq}`, root: boardRoot(), files: TRIVIAL_FILES });
  let serial = '';
  board.on('serial', (text) => (serial += text));
  const mainDone = eventWithin(board, 'main-done', BOOT_TIMEOUT_MS);
  let tBoot = Number.NaN;
  board.once('boot', () => (tBoot = performance.now()));
  try {
    const t0 = performance.now();
    if (!(await powerOnOk(board))) {
      mainDone.cancel();
      return undefined;
    }
    const t1 = performance.now();
    await mainDone.done;
    const t2 = performance.now();
    return { bootloaderMs: tBoot - t0, bootedMs: t1 - t0, mainDoneMs: t2 - t0, outputBeforeMainDone: serial.includes(MAIN_OUTPUT) };
  } finally {
    await board.close();
  }
}

async function bootOnceRetrying(): Promise<BootSample> {
  for (let i = 0; i < MAX_START_TRIES; i++) {
    const sample = await bootOnce();
    if (sample) return sample;
  }
  throw new Error(`the emulator failed to start ${MAX_START_TRIES} times in a row`);
}

const WASM_PATH = requireCjs.resolve('@micropython/micropython-webassembly-pyscript');
/** A bare worker thread (`wasm` false) or one that only loads the MicroPython wasm: time to ready. */
async function workerStartMs(wasm: boolean): Promise<number> {
  const t0 = performance.now();
  const w = new Worker(
    wasm
      ? `const { parentPort, workerData } = require('node:worker_threads');
         const { pathToFileURL } = require('node:url');
         import(pathToFileURL(workerData).href)
           .then((m) => m.loadMicroPython({ stdout() {}, stderr() {}, linebuffer: false, pystack: 4096 }))
           .then((mp) => { mp.runPython('import asyncio'); parentPort.postMessage('ready'); });`
      : `require('node:worker_threads').parentPort.postMessage('ready');`,
    { eval: true, workerData: WASM_PATH },
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      once(w, 'message'),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('reference worker did not start')), BOOT_TIMEOUT_MS))),
    ]);
    return performance.now() - t0;
  } finally {
    clearTimeout(timer);
    await w.terminate();
  }
}

interface ParallelSample {
  allMs: number;
  medianBoardMs: number;
  outputBeforeMainDone: number;
}

/** n fresh boards powered on together; undefined when one of them failed to start. */
async function coldStartParallel(n: number): Promise<ParallelSample | undefined> {
  const boards = Array.from({ length: n }, (_, i) => createTestBoard({ id: `par-${i}`, root: boardRoot(), files: TRIVIAL_FILES }));
  try {
    const t0 = performance.now();
    const times = await Promise.all(
      boards.map(async (b) => {
        let serial = '';
        b.on('serial', (text) => (serial += text));
        const done = eventWithin(b, 'main-done', BOOT_TIMEOUT_MS);
        if (!(await powerOnOk(b))) {
          done.cancel();
          return undefined;
        }
        await done.done;
        return { ms: performance.now() - t0, output: serial.includes(MAIN_OUTPUT) };
      }),
    );
    const allMs = performance.now() - t0;
    if (times.some((t) => t === undefined)) return undefined;
    const ok = times as Array<{ ms: number; output: boolean }>;
    return { allMs, medianBoardMs: median(ok.map((t) => t.ms)), outputBeforeMainDone: ok.filter((t) => t.output).length };
  } finally {
    await Promise.all(boards.map((b) => b.close()));
  }
}

// --- 4: memory ---------------------------------------------------------------------------------------
const IDLE_MAIN = `import asyncio
async def main():
    n = 0
    while True:
        n += 1
        await asyncio.sleep_ms(100)
print("bench idle ready")
asyncio.run(main())
`;

function rssAfterGc(): number {
  gc?.();
  return process.memoryUsage().rss;
}

async function settle(ms = 1500): Promise<void> {
  await sleep(ms);
  gc?.();
  await sleep(200);
}

// --- main ----------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  benchRoot = makeTempDir('mqboard-bench-');
  // Insurance against a hang (every wait has its own timeout too): unref'd, so it never keeps
  // the process alive by itself.
  setTimeout(() => {
    log(`gave up after ${DEADLINE_S} s; still open: ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit(3);
  }, DEADLINE_S * 1000).unref();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAvgAtStart: os.loadavg().map((x) => round(x)),
    sizeBytes: SIZE,
    rounds: ROUNDS,
  };
  const plainWorker = new PlainWorker();
  const plainW: PlainClient = (job) => plainWorker.runJob(job);
  const rows: Array<[string, string]> = [];

  try {
    // 1. receive
    log('starting the receive benchmark');
    const board = await startBenchBoard('bench-net');
    const simgcAtStart = await board.probeJson<[number, number]>('[__import__("sys").modules["_simgc"]._gc.mem_alloc(), __import__("sys").modules["_simgc"]._base]');
    const heapAtStart = board.heap();
    const awaitCost = await runOnBoard<number[]>(board, 'bench.await_cost(500)');
    const recv = await sideBySide(
      {
        'plain-main': () => plainTransfer(plainMain, 'recv', port, 0),
        'plain-worker': () => plainTransfer(plainW, 'recv', port, 0),
        'bridge-4k': () => bridgeRecv(board, port, 4096),
        'bridge-16k': () => bridgeRecv(board, port, 16384),
      },
      'recv',
    );
    const recvHeap = board.heap();
    // Diagnostics: the copy cost alone (stream already buffered in the worker).
    const buffered: Record<string, number[]> = { '4k': [], '16k': [] };
    for (let i = 0; i < 3; i++) {
      for (const [k, bs] of [['4k', 4096], ['16k', 16384]] as const) {
        const [total, us, calls] = await runOnBoard<number[]>(board, `bench.recv_buffered("${newTag('bbuf')}", ${port}, ${SIZE}, ${bs}, 300)`);
        if (total !== SIZE) throw new Error(`buffered recv got ${total} bytes`);
        buffered[k]!.push(us! / 1000, calls!);
      }
    }
    const bufferedSummary = Object.fromEntries(
      Object.entries(buffered).map(([k, xs]) => {
        const ms = median(xs.filter((_, i) => i % 2 === 0));
        return [k, { medianMs: round(ms), MBps: round(mbps(SIZE, ms)), readintoCalls: xs[1]!, usPerCall: round((ms * 1000) / xs[1]!, 1) }];
      }),
    );
    const ticksResolutionUs = await board.probeJson<number>('bench.ticks_resolution_us()');
    const recvSummary = Object.fromEntries(Object.entries(recv).map(([k, v]) => [k, summarise(v)]));
    const recvRatios = {
      'bridge-4k/plain-main': pairedRatio(recv['bridge-4k']!, recv['plain-main']!),
      'bridge-4k/plain-worker': pairedRatio(recv['bridge-4k']!, recv['plain-worker']!),
      'bridge-16k/plain-main': pairedRatio(recv['bridge-16k']!, recv['plain-main']!),
      'bridge-16k/plain-worker': pairedRatio(recv['bridge-16k']!, recv['plain-worker']!),
      'bridge-16k/bridge-4k': pairedRatio(recv['bridge-16k']!, recv['bridge-4k']!),
      'plain-worker/plain-main': pairedRatio(recv['plain-worker']!, recv['plain-main']!),
      'host wall: bridge-4k/plain-main': pairedRatio(recv['bridge-4k']!, recv['plain-main']!, 'hostMs'),
    };
    const b4 = recvSummary['bridge-4k']!;
    const b16 = recvSummary['bridge-16k']!;
    const target = {
      targetMs: TARGET_MS,
      'bridge-4k board ms': b4.medianClientMs,
      'bridge-4k host wall ms': b4.medianHostMs,
      'bridge-16k board ms': b16.medianClientMs,
      met4kBoard: b4.medianClientMs < TARGET_MS,
      met4kHostWall: b4.medianHostMs < TARGET_MS,
      met16kBoard: b16.medianClientMs < TARGET_MS,
    };
    results.receive = { summary: recvSummary, ratios: recvRatios, target, boardHeapAtStart: heapAtStart, interpreterHeapAtStart: { inUse: simgcAtStart[0], simgcBaseline: simgcAtStart[1] }, boardHeapAfter: recvHeap, bufferedCopyOnly: bufferedSummary, boardTicksResolutionUs: ticksResolutionUs };
    results.awaitCostUs = {
      boardAwaitHostPromise: round(awaitCost[0]!),
      boardAwaitSleepMs0: round(awaitCost[1]!),
      boardEmptyLoopIteration: round(awaitCost[2]!, 3),
      hostSetTimeout0Hop: round(await hopCostUs('timeout0')),
      hostSetImmediateHop: round(await hopCostUs('immediate')),
    };

    // 2. send
    log('starting the send benchmark');
    const send = await sideBySide(
      {
        'plain-main-1400': () => plainTransfer(plainMain, 'send', port, 1400),
        'plain-main-4096': () => plainTransfer(plainMain, 'send', port, 4096),
        'plain-worker-1400': () => plainTransfer(plainW, 'send', port, 1400),
        'plain-worker-4096': () => plainTransfer(plainW, 'send', port, 4096),
        'bridge-1400': () => bridgeSend(board, port, 1400),
        'bridge-4096': () => bridgeSend(board, port, 4096),
        // Diagnostic: how fast the bridge writes when drain() is awaited only once.
        'bridge-1400-one-drain': () => bridgeSendNoDrain(board, port, 1400),
      },
      'send',
    );
    const sendSummary = Object.fromEntries(Object.entries(send).map(([k, v]) => [k, summarise(v)]));
    results.send = {
      summary: sendSummary,
      ratios: {
        'bridge-1400/plain-main-1400': pairedRatio(send['bridge-1400']!, send['plain-main-1400']!),
        'bridge-1400/plain-worker-1400': pairedRatio(send['bridge-1400']!, send['plain-worker-1400']!),
        'bridge-4096/plain-main-4096': pairedRatio(send['bridge-4096']!, send['plain-main-4096']!),
        'bridge-4096/plain-worker-4096': pairedRatio(send['bridge-4096']!, send['plain-worker-4096']!),
        'bridge-4096/bridge-1400': pairedRatio(send['bridge-4096']!, send['bridge-1400']!),
        'diag bridge-1400-one-drain/plain-main-1400': pairedRatio(send['bridge-1400-one-drain']!, send['plain-main-1400']!),
        'diag bridge-1400-one-drain/bridge-1400': pairedRatio(send['bridge-1400-one-drain']!, send['bridge-1400']!),
      },
      boardHeapAfter: board.heap(),
    };
    await board.close();

    // 3. boot
    log('starting the boot benchmark');
    await bootOnceRetrying(); // warm-up (first build of the factory image, file cache)
    await workerStartMs(true);
    const boots: BootSample[] = [];
    const bare: number[] = [];
    const wasmOnly: number[] = [];
    const steps: Array<() => Promise<void>> = [
      async () => void boots.push(await bootOnceRetrying()),
      async () => void bare.push(await workerStartMs(false)),
      async () => void wasmOnly.push(await workerStartMs(true)),
    ];
    for (let i = 0; i < BOOTS; i++) for (const step of rotate(steps, i)) await step();
    const mainDone = boots.map((b) => b.mainDoneMs);
    const parallel: ParallelSample[] = [];
    const parallelRounds = 3;
    for (let i = 0, failed = 0; parallel.length < parallelRounds; i++) {
      const sample = await coldStartParallel(PARALLEL);
      if (!sample) {
        if (++failed >= MAX_START_TRIES) throw new Error('parallel cold start: a board failed to start too often');
        log('parallel cold start: a board failed to start; round repeated');
        continue;
      }
      parallel.push(sample);
      log(`parallel cold start ${parallel.length}/${parallelRounds}: ${round(sample.allMs)} ms`);
    }
    const singleMedian = median(mainDone);
    const parallelAll = median(parallel.map((p) => p.allMs));
    results.boot = {
      sequential: {
        n: BOOTS,
        medianPowerOnToBootEventMs: round(median(boots.map((b) => b.bootloaderMs))),
        medianPowerOnToBootedMs: round(median(boots.map((b) => b.bootedMs))),
        medianPowerOnToMainDoneMs: round(singleMedian),
        samplesMainDoneMs: mainDone.map((x) => round(x, 1)),
        mainOutputBeforeMainDone: `${boots.filter((b) => b.outputBeforeMainDone).length}/${boots.length}`,
        medianBareWorkerMs: round(median(bare)),
        medianWasmOnlyWorkerMs: round(median(wasmOnly)),
        ratioBootToBareWorker: round(median(boots.map((b, i) => b.mainDoneMs / bare[i]!)), 2),
        ratioBootToWasmOnlyWorker: round(median(boots.map((b, i) => b.mainDoneMs / wasmOnly[i]!)), 2),
      },
      parallel: {
        n: PARALLEL,
        rounds: parallelRounds,
        medianAllMainDoneMs: round(parallelAll),
        medianPerBoardMs: round(median(parallel.map((p) => p.medianBoardMs))),
        samplesAllMs: parallel.map((p) => round(p.allMs, 1)),
        mainOutputBeforeMainDone: `${parallel.reduce((a, p) => a + p.outputBeforeMainDone, 0)}/${parallelRounds * PARALLEL}`,
        ratioToSingleBoot: round(parallelAll / singleMedian, 2),
        effectiveMsPerBoard: round(parallelAll / PARALLEL),
      },
    };

    // 4. memory
    log(`starting the memory benchmark (${MEM_BOARDS} boards)`);
    await settle();
    const rssBefore = rssAfterGc();
    const memBoards = Array.from({ length: MEM_BOARDS }, (_, i) =>
      createTestBoard({ id: `mem-${i}`, root: boardRoot(), files: { 'boot.py': '# nothing\n', 'main.py': IDLE_MAIN } }),
    );
    const tMem0 = performance.now();
    await Promise.all(
      memBoards.map(async (b) => {
        for (let i = 0; ; i++) {
          const ready = b.waitForSerial(/bench idle ready/, 120_000);
          if (await powerOnOk(b)) return void (await ready);
          ready.catch(() => undefined);
          if (i + 1 >= MAX_START_TRIES) throw new Error(`board ${b.id}: the emulator failed to start ${MAX_START_TRIES} times`);
        }
      }),
    );
    const memStartMs = performance.now() - tMem0;
    await settle(2000);
    const rssWith = rssAfterGc();
    const heaps = memBoards.map((b) => b.heap());
    // The interpreter's own figures: bytes in use now, and the baseline _simgc subtracts.
    const raw = await Promise.all(
      memBoards.map((b) => b.probeJson<[number, number]>('[__import__("sys").modules["_simgc"]._gc.mem_alloc(), __import__("sys").modules["_simgc"]._base]')),
    );
    const running = memBoards.filter((b) => b.power === 'running').length;
    await Promise.all(memBoards.map((b) => b.close()));
    await settle();
    const rssAfterClose = rssAfterGc();
    // Reference: the same number of idle plain worker threads.
    const idle = Array.from({ length: MEM_BOARDS }, () => new Worker('setInterval(() => {}, 1000);', { eval: true }));
    await Promise.all(idle.map((w) => once(w, 'online')));
    await settle();
    const rssWithIdleWorkers = rssAfterGc();
    await Promise.all(idle.map((w) => w.terminate()));
    const perBoard = (rssWith - rssBefore) / MEM_BOARDS;
    const perIdleWorker = (rssWithIdleWorkers - rssAfterClose) / MEM_BOARDS;
    results.memory = {
      boards: MEM_BOARDS,
      stillRunning: running,
      startAllMs: round(memStartMs),
      rssBeforeMB: round(rssBefore / MB, 1),
      rssWithBoardsMB: round(rssWith / MB, 1),
      rssAfterCloseMB: round(rssAfterClose / MB, 1),
      rssPerBoardMB: round(perBoard / MB, 2),
      rssPerIdlePlainWorkerMB: round(perIdleWorker / MB, 2),
      ratioBoardToPlainWorker: round(perBoard / perIdleWorker, 2),
      boardHeapPeakBytes: { median: median(heaps.map((h) => h.peak)), max: Math.max(...heaps.map((h) => h.peak)) },
      boardHeapNowBytes: { median: median(heaps.map((h) => h.now)), max: Math.max(...heaps.map((h) => h.now)) },
      interpreterHeapInUseBytes: { median: median(raw.map((x) => x[0])), max: Math.max(...raw.map((x) => x[0])) },
      simgcBaselineBytes: { median: median(raw.map((x) => x[1])), max: Math.max(...raw.map((x) => x[1])) },
    };

    // --- table ---
    const r = results.receive as { summary: Record<string, VariantSummary> };
    for (const [k, v] of Object.entries(r.summary)) {
      rows.push([`recv ${k}`, `${v.clientMBps} MB/s (${v.medianClientMs} ms client, ${v.medianHostMs} ms host wall = ${v.hostMBps} MB/s)`]);
    }
    for (const [k, v] of Object.entries(recvRatios)) rows.push([`recv ratio ${k}`, `${v}`]);
    rows.push([`recv target <${TARGET_MS} ms`, `4k board: ${target.met4kBoard ? 'MET' : 'NOT met'} (${b4.medianClientMs} ms), 4k host wall: ${target.met4kHostWall ? 'MET' : 'NOT met'} (${b4.medianHostMs} ms), 16k board: ${target.met16kBoard ? 'MET' : 'NOT met'} (${b16.medianClientMs} ms)`]);
    rows.push(['recv bridge-4k details', JSON.stringify(b4.extra)]);
    rows.push(['recv bridge-16k details', JSON.stringify(b16.extra)]);
    rows.push(['recv copy only (stream pre-buffered)', JSON.stringify(bufferedSummary)]);
    rows.push(['recv board heap() at start / after', `${JSON.stringify(heapAtStart)} / ${JSON.stringify(recvHeap)} (interpreter in use ${simgcAtStart[0]}, _simgc baseline ${simgcAtStart[1]})`]);
    rows.push(['board ticks_us resolution', `${ticksResolutionUs} us`]);
    for (const [k, v] of Object.entries(sendSummary)) {
      rows.push([`send ${k}`, `${v.clientMBps} MB/s (${v.medianClientMs} ms to ack, ${v.medianHostMs} ms host wall)`]);
    }
    for (const [k, v] of Object.entries((results.send as { ratios: Record<string, number> }).ratios)) rows.push([`send ratio ${k}`, `${v}`]);
    rows.push(['await cost (us)', JSON.stringify(results.awaitCostUs)]);
    const bootRes = results.boot as { sequential: Record<string, unknown>; parallel: Record<string, unknown> };
    const s = bootRes.sequential;
    rows.push(['boot powerOn→boot event / →booted', `${String(s.medianPowerOnToBootEventMs)} ms / ${String(s.medianPowerOnToBootedMs)} ms`]);
    rows.push(['boot powerOn→main-done', `${String(s.medianPowerOnToMainDoneMs)} ms (median of ${BOOTS})`]);
    rows.push(["main.py output seen before 'main-done'", `sequential ${String(s.mainOutputBeforeMainDone)}, parallel ${String(bootRes.parallel.mainOutputBeforeMainDone)}`]);
    rows.push(['boot ref: bare worker / wasm-only worker', `${String(s.medianBareWorkerMs)} ms / ${String(s.medianWasmOnlyWorkerMs)} ms`]);
    rows.push(['boot ratio board/bare worker, board/wasm-only', `${String(s.ratioBootToBareWorker)} / ${String(s.ratioBootToWasmOnlyWorker)}`]);
    const p = bootRes.parallel;
    rows.push([`cold start ${PARALLEL} in parallel`, `${String(p.medianAllMainDoneMs)} ms all main-done (${String(p.effectiveMsPerBoard)} ms/board, ${String(p.ratioToSingleBoot)}x a single boot)`]);
    const m = results.memory as Record<string, unknown>;
    rows.push([`memory RSS per board (${MEM_BOARDS})`, `${String(m.rssPerBoardMB)} MB (plain idle worker ${String(m.rssPerIdlePlainWorkerMB)} MB, ratio ${String(m.ratioBoardToPlainWorker)})`]);
    rows.push(['memory RSS before/with/after close', `${String(m.rssBeforeMB)} / ${String(m.rssWithBoardsMB)} / ${String(m.rssAfterCloseMB)} MB`]);
    rows.push(['board heap() peak / now (median, max)', `${JSON.stringify(m.boardHeapPeakBytes)} / ${JSON.stringify(m.boardHeapNowBytes)} bytes`]);
    rows.push(['interpreter heap in use / _simgc baseline', `${JSON.stringify(m.interpreterHeapInUseBytes)} / ${JSON.stringify(m.simgcBaselineBytes)} bytes`]);
  } finally {
    await closeTestBoards();
    await plainWorker.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(benchRoot, { recursive: true, force: true });
  }

  const width = Math.max(...rows.map(([k]) => k.length));
  results.loadAvgAtEnd = os.loadavg().map((x) => round(x));
  results.emulatorStartupFailures = startupFailures;
  rows.push(['emulator start-up failures (retried)', String(startupFailures)]);
  console.log(`\nsim-bridge benchmark (${SIZE} bytes per transfer, ${ROUNDS} rounds, node ${process.version}, load average ${JSON.stringify(results.loadAvgAtStart)} → ${JSON.stringify(results.loadAvgAtEnd)}):`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  // The runner passes the directory; the fallback is bench/results beside the bundle's dist/bench.
  const outDir = process.env.BENCH_RESULTS_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, 'sim-bridge.latest.json');
  fs.writeFileSync(outFile, `${JSON.stringify({ ...results, table: Object.fromEntries(rows) }, null, 2)}\n`);
  console.log(`\nwritten to ${outFile}`);
  // The process must end on its own; if something is left open, say what and fail.
  setTimeout(() => {
    log(`still alive 15 s after the end: ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit(2);
  }, 15_000).unref();
}

await main();
