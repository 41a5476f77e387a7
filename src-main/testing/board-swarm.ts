// A protocol-level board swarm for scale tests and benches: thousands of light fake boards in one
// Node process (no MicroPython), against a real broker. Each online board has its own mqtt.js
// connection (so its last will is real), a retained status shaped like board/lib/mqb_status.py's,
// answers `eval` of integer arithmetic with the framing of docs/protocol.md, and can log and
// churn its status at a rate. "Known but offline" boards are a retained offline status only, as a
// board that dropped off long ago leaves behind.
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { decodeFrame, decodeText, encodeFrame, encodeText, NO_SEQ, PROTO_V2 } from '../common/protocol.js';

export interface SwarmOptions {
  url: string;
  /** Boards are `<root>/b00000` ... (default 'swarm'). */
  root?: string;
  /** Boards the broker knows (a retained status each); the first `online` of them connect. */
  known: number;
  online: number;
  /** How many of the online boards log (the first ones). */
  logging?: number;
  /** Log lines per second of each logging board (default 10). */
  logLinesPerSecond?: number;
  /** Status republishes per second across the online boards (default 0), round robin. */
  churnPerSecond?: number;
  /** Connections opened at a time, so the broker is not flooded (default 200). */
  rampBatch?: number;
  username?: string;
  password?: string;
  /** Called right after a board's status was handed to its connection (benches time from it). */
  onStatus?: (prefix: string, memFree: number) => void;
}

const CAPS = ['eval', 'exec', 'get', 'put', 'ota', 'otastat', 'ls', 'stat', 'mkdir', 'rm', 'rmdir', 'mv', 'df', 'reset'];
const TICK_MS = 100;
const OTA_SLOT = 1_572_864;
const ARITHMETIC = /^[\d\s+\-*()]+$/;

interface SwarmBoard {
  prefix: string;
  client: MqttClient;
  bootAt: number;
  memFree: number;
}

export const swarmPrefix = (root: string, i: number) => `${root}/b${String(i).padStart(5, '0')}`;

function offlineStatus(prefix: string): string {
  return JSON.stringify({ online: false, prefix, fw: '1.2.0', partition: 'ota_0', ota_slot: OTA_SLOT, proto: PROTO_V2 });
}

function onlineStatus(b: SwarmBoard, now: number): string {
  return JSON.stringify({
    online: true, prefix: b.prefix, fw: '1.2.0', project: 'mqboard', partition: 'ota_0', ota_slot: OTA_SLOT,
    pending_verify: false, safe_mode: false, safe_reason: '', reset_cause: 'power-on', boots: 1, failed_boots: 0,
    crashes: 0, uptime: Math.floor((now - b.bootAt) / 1000), mem_free: b.memFree, ip: '10.0.0.1', rssi: -60,
    modules: {}, proto: PROTO_V2, caps: CAPS, window: 64, clock: 'ntp', t: Math.floor(now / 1000),
  });
}

/** What a swarm board answers to eval: integer arithmetic only (it runs no Python). */
export function swarmEval(source: string): { output: string } | { error: string } {
  if (!ARITHMETIC.test(source)) return { error: `Traceback (most recent call last):\nNotImplementedError: swarm boards only evaluate integer arithmetic\n` };
  try {
    // Only digits, spaces, + - * and parentheses reach here (the pattern above).
    const value: unknown = new Function(`return (${source});`)();
    return { output: String(value) };
  } catch {
    return { error: 'Traceback (most recent call last):\nSyntaxError: invalid syntax\n' };
  }
}

export class BoardSwarm {
  readonly prefixes: string[];
  readonly onlinePrefixes: string[];
  readonly counts = { statuses: 0, logLines: 0, evals: 0 };
  private readonly boards: SwarmBoard[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private churnAt = 0;
  private churnDebt = 0;

  private constructor(private readonly opts: SwarmOptions) {
    const root = opts.root ?? 'swarm';
    this.prefixes = Array.from({ length: opts.known }, (_, i) => swarmPrefix(root, i));
    this.onlinePrefixes = this.prefixes.slice(0, opts.online);
  }

  static async start(opts: SwarmOptions): Promise<BoardSwarm> {
    if (opts.online > opts.known) throw new Error(`swarm: ${opts.online} online boards but only ${opts.known} known`);
    const swarm = new BoardSwarm(opts);
    try {
      await swarm.publishOffline();
      const batch = opts.rampBatch ?? 200;
      for (let i = 0; i < swarm.onlinePrefixes.length; i += batch) {
        const started = await Promise.all(swarm.onlinePrefixes.slice(i, i + batch).map((p) => swarm.connectBoard(p)));
        swarm.boards.push(...started);
      }
    } catch (e) {
      await swarm.close();
      throw e;
    }
    swarm.timer = setInterval(() => swarm.tick(), TICK_MS);
    return swarm;
  }

  /** Republishes one online board's status now (a new mem_free); resolves once the broker has it. */
  async churn(prefix: string): Promise<void> {
    const b = this.boards.find((x) => x.prefix === prefix);
    if (!b) throw new Error(`swarm: ${prefix} is not an online swarm board`);
    await this.publishStatus(b);
  }

  /** The mem_free of the board's last published status. */
  lastMemFree(prefix: string): number | undefined {
    return this.boards.find((x) => x.prefix === prefix)?.memFree;
  }

  /** The board drops off without a DISCONNECT (power cut): the broker publishes its last will. */
  drop(prefix: string): void {
    const i = this.boards.findIndex((x) => x.prefix === prefix);
    if (i < 0) throw new Error(`swarm: ${prefix} is not an online swarm board`);
    const [b] = this.boards.splice(i, 1);
    b!.client.stream.destroy();
    b!.client.end(true);
  }

  /** Disconnects every board without a will (their retained online status stays) and stops the timers. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    const all = this.boards.splice(0);
    await Promise.all(all.map((b) => b.client.endAsync()));
  }

  /** The known-but-offline boards: one shared connection publishes their retained offline status. */
  private async publishOffline(): Promise<void> {
    const offline = this.prefixes.slice(this.opts.online);
    if (!offline.length) return;
    const client = await mqtt.connectAsync(this.opts.url, { ...this.auth(), clientId: `swarm-offline-${process.pid}`, reconnectPeriod: 0 });
    try {
      for (let i = 0; i < offline.length; i += 500) {
        await Promise.all(offline.slice(i, i + 500).map((p) => client.publishAsync(`${p}/mqb/status`, offlineStatus(p), { qos: 1, retain: true })));
      }
    } finally {
      await client.endAsync();
    }
  }

  private async connectBoard(prefix: string): Promise<SwarmBoard> {
    const client = await mqtt.connectAsync(this.opts.url, {
      ...this.auth(), clientId: `swarm-${prefix.replace(/\W/g, '-')}`, reconnectPeriod: 0, keepalive: 60,
      will: { topic: `${prefix}/mqb/status`, payload: Buffer.from(offlineStatus(prefix)), qos: 1, retain: true },
    });
    const b: SwarmBoard = { prefix, client, bootAt: Date.now(), memFree: 68_000 };
    client.on('message', (topic, msg) => this.onCommand(b, topic, msg));
    await client.subscribeAsync(`${prefix}/mqb/cmd/#`, { qos: 1 });
    await this.publishStatus(b);
    return b;
  }

  private onCommand(b: SwarmBoard, topic: string, msg: Buffer): void {
    const [cmd = '', id = ''] = topic.slice(`${b.prefix}/mqb/cmd/`.length).split('/');
    const reply = (kind: 'out' | 'err', payload: Uint8Array | string) => void b.client.publishAsync(`${b.prefix}/mqb/reply/${kind}/${id}`, Buffer.from(payload), { qos: 1 }).catch(() => undefined);
    if (cmd !== 'eval') return reply('err', `Command '${cmd}' not supported`);
    this.counts.evals++;
    const r = swarmEval(decodeText(decodeFrame(msg).payload));
    if ('error' in r) return reply('err', r.error);
    reply('out', encodeFrame(NO_SEQ, true, encodeText(r.output)));
  }

  private async publishStatus(b: SwarmBoard): Promise<void> {
    b.memFree = 60_000 + ((b.memFree + 7_919) % 10_000); // a changed value each time
    this.counts.statuses++;
    const sent = b.client.publishAsync(`${b.prefix}/mqb/status`, onlineStatus(b, Date.now()), { qos: 1, retain: true });
    this.opts.onStatus?.(b.prefix, b.memFree);
    await sent;
  }

  /** Every TICK_MS: the log lines and status republishes due since the last tick. */
  private tick(): void {
    const logging = Math.min(this.opts.logging ?? 0, this.boards.length);
    const perTick = (this.opts.logLinesPerSecond ?? 10) * TICK_MS / 1000;
    const now = Date.now();
    for (let i = 0; i < logging; i++) {
      const b = this.boards[i]!;
      for (let n = 0; n < perTick; n++) {
        this.counts.logLines++;
        void b.client.publishAsync(`${b.prefix}/log`, `I ${now - b.bootAt} ${'swarm'.padStart(8)}: line ${this.counts.logLines}`, { qos: 0 }).catch(() => undefined);
      }
    }
    this.churnDebt += (this.opts.churnPerSecond ?? 0) * TICK_MS / 1000;
    for (; this.churnDebt >= 1 && this.boards.length; this.churnDebt--) {
      const b = this.boards[this.churnAt++ % this.boards.length]!;
      void this.publishStatus(b).catch(() => undefined);
    }
  }

  private auth() {
    return { ...(this.opts.username !== undefined && { username: this.opts.username }), ...(this.opts.password !== undefined && { password: this.opts.password }) };
  }
}
