// A protocol-level board swarm for scale tests and benches: thousands of light fake boards in one
// Node process (no MicroPython), against a real broker. Each online board has its own mqtt.js
// connection (so its last will is real), a retained status shaped like board/lib/mqb_status.py's,
// answers `eval` of integer arithmetic with the framing of docs/protocol.md, takes firmware
// updates (`otastat`, `ota`, `reset`: swarm-firmware.ts), and can log and churn its status at a rate. "Known but offline" boards are a retained offline status only, as a
// board that dropped off long ago leaves behind.
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { decodeFrame, decodeText, encodeFrame, encodeText, NO_SEQ, PROTO_V2 } from '../common/protocol.js';
import { SwarmFirmware } from './swarm-firmware.js';

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
  /** After a `reset`, how long the board is away before it connects again (default 300 ms). */
  rebootMs?: number;
  /** After such a boot, when it confirms the new image (its all-OK; default 500 ms). */
  confirmMs?: number;
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
  firmware: SwarmFirmware;
}

export const swarmPrefix = (root: string, i: number) => `${root}/b${String(i).padStart(5, '0')}`;

function offlineStatus(prefix: string): string {
  return JSON.stringify({ online: false, prefix, fw: '1.2.0', partition: 'ota_0', ota_slot: OTA_SLOT, proto: PROTO_V2 });
}

function onlineStatus(b: SwarmBoard, now: number): string {
  const f = b.firmware.state;
  return JSON.stringify({
    online: true, prefix: b.prefix, fw: f.fw, project: 'mqboard', partition: f.partition, ota_slot: OTA_SLOT,
    pending_verify: f.pendingVerify, safe_mode: false, safe_reason: '', reset_cause: f.resetCause, boots: f.boots, failed_boots: 0,
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
  readonly counts = { statuses: 0, logLines: 0, evals: 0, resets: 0 };
  private readonly boards: SwarmBoard[] = [];
  /** Per prefix, kept across the board's reboots. */
  private readonly firmware = new Map<string, SwarmFirmware>();
  private readonly pendingTimers = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;
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

  /** The firmware the board runs and has received (fw, partition, pending verification, uploads). */
  firmwareOf(prefix: string): SwarmFirmware | undefined {
    return this.firmware.get(prefix);
  }

  /** Disconnects every board without a will (their retained online status stays) and stops the timers. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const t of this.pendingTimers) clearTimeout(t);
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
    let firmware = this.firmware.get(prefix);
    if (!firmware) this.firmware.set(prefix, (firmware = new SwarmFirmware()));
    const b: SwarmBoard = { prefix, client, bootAt: Date.now(), memFree: 68_000, firmware };
    client.on('message', (topic, msg) => this.onCommand(b, topic, msg));
    await client.subscribeAsync(`${prefix}/mqb/cmd/#`, { qos: 1 });
    await this.publishStatus(b);
    return b;
  }

  private onCommand(b: SwarmBoard, topic: string, msg: Buffer): void {
    const [cmd = '', id = '', ...rest] = topic.slice(`${b.prefix}/mqb/cmd/`.length).split('/');
    const send = (kind: 'out' | 'err', payload: Uint8Array | string) => void b.client.publishAsync(`${b.prefix}/mqb/reply/${kind}/${id}`, Buffer.from(payload), { qos: 1 }).catch(() => undefined);
    const reply = (kind: 'out' | 'err', text: string) => send(kind, kind === 'out' ? encodeFrame(NO_SEQ, true, encodeText(text)) : text);
    const frame = decodeFrame(msg);
    switch (cmd) {
      case 'eval': {
        this.counts.evals++;
        const r = swarmEval(decodeText(frame.payload));
        return 'error' in r ? reply('err', r.error) : reply('out', r.output);
      }
      case 'otastat':
        return b.firmware.otastat(rest.join('/'), reply);
      case 'ota':
        return b.firmware.otaFrame(id, rest.join('/'), frame.seq, frame.last, frame.payload, reply);
      case 'reset':
        reply('out', 'OK');
        return this.later(50, () => this.reboot(b));
      default:
        return reply('err', `Command '${cmd}' not supported`);
    }
  }

  /** A reset: the connection drops without DISCONNECT (the will fires), the board boots and connects again. */
  private reboot(b: SwarmBoard): void {
    const i = this.boards.indexOf(b);
    if (i < 0) return;
    this.boards.splice(i, 1);
    this.counts.resets++;
    b.client.stream.destroy();
    b.client.end(true);
    b.firmware.reboot();
    this.later(this.opts.rebootMs ?? 300, () => {
      void this.connectBoard(b.prefix).then((nb) => {
        if (this.closed) return void nb.client.end(true);
        this.boards.push(nb);
        if (nb.firmware.state.pendingVerify) this.later(this.opts.confirmMs ?? 500, () => {
          nb.firmware.confirm();
          void this.publishStatus(nb).catch(() => undefined);
        });
      }, () => undefined);
    });
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.pendingTimers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.pendingTimers.add(t);
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
