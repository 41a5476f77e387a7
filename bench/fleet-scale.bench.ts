// The console at fleet scale (`npm run bench:fleet`, issue 12): mosquitto, a protocol-level swarm
// (src-main/testing/board-swarm.ts) of 10,000 known boards, 1,000 online with status churn, 200
// logging 10 lines/s; the real engine and web server in a child process (so its RSS is the
// console's own), and a WebSocket client like the renderer's: fleet.snapshot pages, then
// fleet.changed. Measures the console's RSS, the time from a board's status publish to the event
// at the client (p50/p95) and the console's broker subscriptions.
// Options (environment): FLEET_KNOWN, FLEET_ONLINE, FLEET_LOGGING, FLEET_CHURN (statuses/s), FLEET_SECONDS.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import type { BoardView } from '../src-main/common/contract.js';
import { FLEET_PAGE_SIZE, WS_PATH } from '../src-main/common/contract.js';
import { ConsoleService } from '../src-main/app/console-service.js';
import { createDispatcher } from '../src-main/app/dispatcher.js';
import { ProfileStore } from '../src-main/app/profile-store.js';
import { Engine } from '../src-main/core/engine.js';
import type { MqttSession } from '../src-main/core/mqtt-session.js';
import { startWebServer } from '../src-main/web/web-server.js';
import { BoardSwarm } from '../src-main/testing/board-swarm.js';
import { startMosquitto } from '../src-main/testing/mosquitto.js';
import { createWebSocketTransport } from '../src-renderer/api/ws-transport.js';
import type { WebSocketLike } from '../src-renderer/api/ws-transport.js';
import { envNum, percentile, mb, rssOf } from './bench-stats.js';

const KNOWN = envNum('FLEET_KNOWN', 10_000);
const ONLINE = envNum('FLEET_ONLINE', 1_000);
const LOGGING = envNum('FLEET_LOGGING', 200);
const CHURN = envNum('FLEET_CHURN', 200);
const SECONDS = envNum('FLEET_SECONDS', 30);

interface Ready { port: number; token: string; origin: string }

/** The child: the console's main side in web mode, nothing else in the process. */
async function consoleProcess(): Promise<void> {
  const engine = new Engine();
  const service = new ConsoleService({ info: { mode: 'web', version: 'bench' }, profiles: new ProfileStore(), engine });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-fleet-bench-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  const server = await startWebServer({ rootDir: root, dispatch: createDispatcher(service.handlers), events: { subscribe: (l) => service.subscribe(l), clientGone: (id) => service.clientGone(id) } });
  process.on('message', (m: { ask: 'subscriptions'; profileId: string }) => {
    const subs = (engine.session(m.profileId) as MqttSession).subscriptionCount;
    process.send!({ subscriptions: subs, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed });
  });
  process.send!({ port: server.port, token: server.token, origin: server.origin } satisfies Ready);
}


async function main(): Promise<void> {
  const broker = await startMosquitto();
  const child = fork(fileURLToPath(import.meta.url), ['console'], { stdio: 'inherit' });
  const ready = await new Promise<Ready>((resolve) => child.once('message', (m) => resolve(m as Ready)));
  const rssIdle = rssOf(child.pid!);
  const api = createWebSocketTransport(`ws://127.0.0.1:${ready.port}${WS_PATH}`, ready.token, { connect: (u) => new WebSocket(u, { origin: ready.origin }) as unknown as WebSocketLike });

  const t0 = Date.now();
  const published = new Map<string, { memFree: number; at: number }>();
  let measuring = false;
  const swarm = await BoardSwarm.start({ url: broker.url, known: KNOWN, online: ONLINE, logging: LOGGING, logLinesPerSecond: 10, churnPerSecond: CHURN,
    onStatus: (prefix, memFree) => measuring && published.set(prefix, { memFree, at: Date.now() }) });
  const swarmUpMs = Date.now() - t0;

  const latencies: number[] = [];
  let events = 0;
  let eventBoards = 0;
  api.on('fleet.changed', (e) => {
    events++;
    eventBoards += e.upserts.length;
    const now = Date.now();
    for (const b of e.upserts) {
      const p = published.get(b.prefix);
      if (p && b.memFree === p.memFree) {
        latencies.push(now - p.at);
        published.delete(b.prefix);
      }
    }
  });
  const { id: profileId } = await api.request('profiles.save', { name: 'Swarm', url: broker.url });
  const t1 = Date.now();
  await api.request('profiles.connect', { id: profileId });
  let boards: BoardView[] = [];
  let pages = 0;
  for (;;) { // what the renderer does at start: page through fleet.snapshot until it has all
    boards = [];
    pages = 0;
    for (let after: string | undefined; ;) {
      const page = await api.request('fleet.snapshot', { profileId, ...(after !== undefined && { after }) });
      pages++;
      boards.push(...page);
      if (page.length < FLEET_PAGE_SIZE) break;
      after = page.at(-1)!.prefix;
    }
    if (boards.length >= KNOWN || Date.now() - t1 > 60_000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const discoveryMs = Date.now() - t1;
  const duplicates = boards.length - new Set(boards.map((b) => b.prefix)).size;

  measuring = true;
  let rssPeak = 0;
  const rssSamples: number[] = [];
  const tStart = Date.now();
  const eventsBefore = events;
  while (Date.now() - tStart < SECONDS * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const rss = rssOf(child.pid!);
    rssSamples.push(rss);
    rssPeak = Math.max(rssPeak, rss);
  }
  measuring = false;
  const eventsPerSecond = (events - eventsBefore) / SECONDS;
  const inner = await new Promise<{ subscriptions: number; rss: number; heapUsed: number }>((resolve) => {
    child.once('message', (m) => resolve(m as never));
    child.send({ ask: 'subscriptions', profileId });
  });
  latencies.sort((a, b) => a - b);

  const results = {
    date: new Date().toISOString(), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`, node: process.version,
    fleet: { known: KNOWN, online: ONLINE, logging: LOGGING, logLinesPerSecond: 10, statusChurnPerSecond: CHURN, measuredSeconds: SECONDS },
    swarmStartMs: swarmUpMs,
    discovery: { ms: discoveryMs, boardsListed: boards.length, onlineListed: boards.filter((b) => b.online).length, pages, duplicates },
    consoleRssMB: { idle: mb(rssIdle), end: mb(rssSamples.at(-1) ?? 0), peak: mb(rssPeak), goal: 400, peakVsGoal: Math.round((rssPeak / 400e6) * 100) / 100 },
    consoleHeapUsedMB: mb(inner.heapUsed),
    statusToClientMs: { samples: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? NaN },
    fleetChanged: { eventsPerSecond, boardsPerEvent: Math.round((eventBoards / Math.max(1, events)) * 10) / 10 },
    brokerSubscriptions: { console: inner.subscriptions, perBoard: Math.round((inner.subscriptions / KNOWN) * 1e4) / 1e4 },
    swarmCounts: swarm.counts,
  };
  console.log(JSON.stringify(results, null, 2));
  const outDir = process.env.BENCH_RESULTS_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'fleet-scale.json'), `${JSON.stringify(results, null, 2)}\n`);

  api.close();
  child.kill();
  await swarm.close();
  await broker.close();
}

if (process.argv[2] === 'console') void consoleProcess();
else await main();
