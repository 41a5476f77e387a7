// Wake benchmark (`npm run bench:wake`): what one deep-sleep cycle of a battery board costs on
// the virtual board with the ESP32 radio model (src-main/sim/radio-timing.ts: bootloader check,
// channel scan, handshake, DHCP). Two boards run the same firmware side by side in one run on one
// broker: "fast" reuses its saved IP lease (the default), "plain" has it off (wifi.reuse_lease =
// 0, a DHCP join at every wake). Figures per wake: wake → first MQTT publish (as the broker hands
// it to a subscriber), the Wi-Fi join as the board measured it, and the whole awake time (timer
// wake to machine.deepsleep()). The ratio fast/plain is the figure that carries over; absolute
// times include this machine's speed at running the interpreter (no ESP32 CPU model). Then the
// energy per day from published ESP32 currents (src-main/sim/wake-energy.ts).
//
// Options (environment): BENCH_CYCLES (wakes measured per board, default 12), BENCH_PERIOD_S
// (deep sleep per cycle during the run, default 3), BENCH_AWAKE_S (awake window, default 1),
// BENCH_BATTERY_MAH (default 2500), BENCH_REPORT_PERIOD_S (period for the mAh/day figure, default
// 600); BENCH_NO_BUILD=1 skips rebuilding dist/main.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { DEFAULT_ACCESS_POINT } from '../src-main/sim/virtual-board.js';
import { VirtualFleet } from '../src-main/sim/fleet.js';
import { RADIO_ESP32 } from '../src-main/sim/radio-timing.js';
import { simPaths } from '../src-main/sim/sim-paths.js';
import { makeTempDir, removeTempDirs } from '../src-main/sim/test-boards.js';
import { ESP32_CURRENTS, wakeEnergy } from '../src-main/sim/wake-energy.js';
import { RESET_CAUSE } from '../src-main/sim/worker-protocol.js';
import { startTestBroker } from '../src-main/testing/brokers.js';
import { envInt, median } from './bench-stats.js';

const CYCLES = envInt('BENCH_CYCLES', 12);
const PERIOD_S = envInt('BENCH_PERIOD_S', 3);
const AWAKE_S = envInt('BENCH_AWAKE_S', 1);
const BATTERY_MAH = envInt('BENCH_BATTERY_MAH', 2500);
const REPORT_PERIOD_S = envInt('BENCH_REPORT_PERIOD_S', 600);
const VARIANTS = ['fast', 'plain'] as const;
type Variant = (typeof VARIANTS)[number];

interface Wake {
  start: number;
  firstPublish?: number;
  sleep?: number;
  join?: string;
  joinMs?: number;
  /** Messages the board published during the wake (status, logs, feeds). */
  publishes: number;
}


async function main(): Promise<void> {
  const fleet = VirtualFleet.open({
    dir: makeTempDir('mqboard-wake-bench-'), count: 2, firmwareDir: simPaths().boardDir, radio: 'esp32',
    boardConfig: { sleep: { period: PERIOD_S, awake: AWAKE_S }, watchdog: { timeout: 60, allok: 3, revert: true }, status_interval: 300, log: { console: 'warning', mqtt: 'info', boot_console: 'warning', boot_mqtt: 'info' } },
    boardConfigFor: (i) => (i === 1 ? { wifi: { ssid: DEFAULT_ACCESS_POINT.ssid, reuse_lease: 0 } } : {}),
  });
  const users = { ...fleet.brokerUsers(), console: 'console-pw' };
  const broker = await startTestBroker('aedes', { users });
  fleet.configure({ host: '127.0.0.1', port: broker.port, tls: false, ntp: await fleet.startTimeServer() });
  const wakes: Record<Variant, Wake[]> = { fast: [], plain: [] };
  const byPrefix = new Map<string, Variant>();
  fleet.records.forEach((r, i) => byPrefix.set(r.prefix, VARIANTS[i]!));
  const peer = await mqtt.connectAsync(broker.url, { username: 'console', password: 'console-pw', clientId: `wake-bench-${process.pid}` });
  peer.on('message', (topic, payload, packet) => {
    if (packet.retain) return; // a retained copy is history, not this wake's publish
    const prefix = [...byPrefix.keys()].find((p) => topic.startsWith(`${p}/`));
    const w = prefix && wakes[byPrefix.get(prefix)!].at(-1);
    if (!w || w.sleep !== undefined) return;
    w.firstPublish ??= performance.now();
    w.publishes++;
    if (topic === `${prefix}/mqb/status` && w.join === undefined) {
      const s = JSON.parse(payload.toString()) as { online?: boolean; wifi?: { join: string; join_ms: number } };
      if (s.online && s.wifi) Object.assign(w, { join: s.wifi.join, joinMs: s.wifi.join_ms });
    }
  });
  await peer.subscribeAsync(fleet.records.map((r) => `${r.prefix}/#`), { qos: 1 });
  fleet.boards.forEach((b, i) => {
    const list = wakes[VARIANTS[i]!];
    b.on('reset', (cause) => cause === RESET_CAUSE.DEEPSLEEP && list.push({ start: performance.now(), publishes: 0 }));
    b.on('sleep', () => {
      const w = list.at(-1);
      if (w) w.sleep = performance.now();
    });
  });
  await fleet.start();
  const done = () => VARIANTS.every((v) => wakes[v].filter((w) => w.sleep !== undefined).length >= CYCLES);
  const deadline = Date.now() + CYCLES * (PERIOD_S + AWAKE_S + 15) * 1000;
  while (!done()) {
    if (Date.now() > deadline) {
      for (const v of VARIANTS) console.error(v, wakes[v].map((w) => `${Math.round((w.firstPublish ?? NaN) - w.start)}/${Math.round((w.sleep ?? NaN) - w.start)}/${w.join}`).join(' '));
      throw new Error(`wake bench: ${CYCLES} cycles not reached (fast ${wakes.fast.length}, plain ${wakes.plain.length})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await fleet.stop();
  await peer.endAsync();
  await broker.close();

  const figuresFor = (v: Variant) => {
    const ws = wakes[v].filter((w) => w.sleep !== undefined && w.firstPublish !== undefined).slice(0, CYCLES);
    const awakeMs = median(ws.map((w) => w.sleep! - w.start));
    const energy = (ma: number) => wakeEnergy({ awakeMs, sleepS: REPORT_PERIOD_S, awakeMa: ma, deepSleepUa: ESP32_CURRENTS.deepSleepUa });
    return {
      wakes: ws.length,
      joins: ws.map((w) => w.join ?? '?').join(' '),
      firstPublishMs: median(ws.map((w) => w.firstPublish! - w.start)),
      publishes: median(ws.map((w) => w.publishes)),
      joinMs: median(ws.flatMap((w) => (w.joinMs === undefined ? [] : [w.joinMs]))),
      awakeMs,
      mAhPerDay: energy(ESP32_CURRENTS.awakeTypicalMa).mAhPerDay,
      mAhPerDayPessimistic: energy(ESP32_CURRENTS.awakePessimisticMa).mAhPerDay,
      days: energy(ESP32_CURRENTS.awakeTypicalMa).daysOn(BATTERY_MAH),
    };
  };
  type Figures = ReturnType<typeof figuresFor>;
  const figures: Record<Variant, Figures> = { fast: figuresFor('fast'), plain: figuresFor('plain') };
  const ratio = (k: 'firstPublishMs' | 'joinMs' | 'awakeMs' | 'mAhPerDay') => figures.fast[k] / figures.plain[k];
  const results = {
    radio: RADIO_ESP32, cycles: CYCLES, periodS: PERIOD_S, awakeS: AWAKE_S, reportPeriodS: REPORT_PERIOD_S, batteryMah: BATTERY_MAH,
    currents: ESP32_CURRENTS, figures,
    ratios: { firstPublish: ratio('firstPublishMs'), join: ratio('joinMs'), awake: ratio('awakeMs'), mAhPerDay: ratio('mAhPerDay') },
  };
  const f = (x: number, d = 0) => x.toFixed(d);
  console.log(`\nwake bench: ${CYCLES} wakes per board, ${PERIOD_S} s sleep / ${AWAKE_S} s awake window, ESP32 radio model, aedes`);
  console.log(`board   wake→1st publish  Wi-Fi join  awake/cycle  msgs  mAh/day (90 mA | 160 mA) @${REPORT_PERIOD_S} s  days on ${BATTERY_MAH} mAh`);
  for (const v of VARIANTS) {
    const x = figures[v];
    console.log(`${v.padEnd(7)} ${f(x.firstPublishMs).padStart(10)} ms ${f(x.joinMs).padStart(8)} ms ${f(x.awakeMs).padStart(9)} ms ${f(x.publishes).padStart(5)}   ${f(x.mAhPerDay, 2).padStart(6)} | ${f(x.mAhPerDayPessimistic, 2).padStart(6)}          ${f(x.days).padStart(6)}`);
    console.log(`        joins: ${x.joins}`);
  }
  console.log(`fast/plain: first publish ${results.ratios.firstPublish.toFixed(2)}, join ${results.ratios.join.toFixed(2)}, awake ${results.ratios.awake.toFixed(2)}, energy ${results.ratios.mAhPerDay.toFixed(2)}`);
  const outDir = process.env.BENCH_RESULTS_DIR ?? path.join(process.cwd(), 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'wake.json'), `${JSON.stringify(results, null, 2)}\n`);
  removeTempDirs();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
