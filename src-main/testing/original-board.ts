// A protocol-level fake of a board running the ORIGINAL MQBoard firmware (protocol version 1),
// written from the facts docs/protocol.md records about it, not from its code:
// - no retained status and no will; one log line per message on <prefix>/log; its watchdog
//   sends itself an eval now and then (and answers it, like any other);
// - commands eval, get, put, ota only (others: `Command '<cmd>' not supported`);
// - SEQ acknowledgements during ota only, never during put; put writes the target in place;
// - eval evaluates a lone expression as an expression (what it prints goes to the serial
//   console, the reply is its repr) and runs anything else as statements (the reply is what
//   they printed).
// Its Python is tiny (original-python.ts) plus the console's file-system snippets, which it runs
// against an in-memory file system (original-fs.ts).
import { createHash, randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { OriginalFs } from './original-fs.js';
import { runOriginalEval } from './original-python.js';

const LAST = 0x8000;
const CHUNK = 1400;
const ACK_EVERY = 8;

export interface OriginalBoardOptions {
  url: string;
  prefix: string;
  username?: string;
  password?: string;
  /** How often the watchdog evals itself and a log line goes out (default 30 s). */
  heartbeatMs?: number;
}

interface Upload {
  cmd: 'put' | 'ota';
  tail: string;
  next: number;
  parts: Buffer[];
}

export class OriginalBoard {
  readonly fs = new OriginalFs();
  /** What went to the serial console (prints of an evaluated expression, boot messages). */
  readonly serial: string[] = [];
  /** Firmware images written and set to boot by ota (their SHA-256). */
  readonly otaImages: string[] = [];
  /** How many times the board was reset through eval. */
  resets = 0;
  private client: MqttClient | undefined;
  private readonly uploads = new Map<string, Upload>();
  private heartbeat: NodeJS.Timeout | undefined;
  private bootAt = Date.now();
  private watchdogIds = 0;

  constructor(private readonly opts: OriginalBoardOptions) {}

  async start(): Promise<void> {
    const { url, username, password } = this.opts;
    this.client = await mqtt.connectAsync(url, { clientId: `orig-${randomBytes(4).toString('hex')}`, ...(username !== undefined && { username, password }), reconnectPeriod: 0 });
    this.client.on('message', (topic, payload) => void this.onCommand(topic, payload));
    await this.client.subscribeAsync(`${this.opts.prefix}/mqb/cmd/#`, { qos: 1 });
    this.bootAt = Date.now();
    this.log('I', 'main', 'MQBoard started');
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs ?? 30_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.client?.endAsync();
    this.client = undefined;
  }

  /** One log line in the firmware's format: `<L> <ms since boot> <logger in 8>: <text>`. */
  log(level: string, logger: string, text: string): void {
    void this.client?.publishAsync(`${this.opts.prefix}/log`, `${level} ${Date.now() - this.bootAt} ${logger.padStart(8)}: ${text}`, { qos: 0 });
  }

  private beat(): void {
    this.log('I', 'watchdog', 'fed');
    const id = `wdt${this.watchdogIds++}`;
    void this.client?.publishAsync(`${this.opts.prefix}/mqb/cmd/eval/${id}`, frame(0, true, Buffer.from('1')), { qos: 1 });
  }

  private async onCommand(topic: string, msg: Buffer): Promise<void> {
    const rest = topic.slice(`${this.opts.prefix}/mqb/cmd/`.length);
    const [cmd = '', id = ''] = rest.split('/', 2);
    const tail = rest.slice(cmd.length + id.length + 2);
    const header = msg.length >= 2 ? msg.readUInt16BE(0) : 0;
    const payload = msg.subarray(2);
    try {
      if (cmd === 'eval') return await this.evalCommand(id, payload.toString('utf8'));
      if (cmd === 'get') return await this.getCommand(id, tail);
      if (cmd === 'put' || cmd === 'ota') return await this.streamed(cmd, id, tail, header & 0x7fff, (header & LAST) !== 0, payload);
      await this.err(id, `Command '${cmd}' not supported`);
    } catch (e) {
      this.uploads.delete(id);
      await this.err(id, String((e as Error).message));
    }
  }

  private async evalCommand(id: string, source: string): Promise<void> {
    const r = runOriginalEval(source, this.fs);
    this.serial.push(...r.serial);
    if (r.reset) return this.reset();
    if (r.error !== undefined) return this.err(id, `Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n${r.error}\n`);
    await this.out(id, 0x7fff, true, Buffer.from(r.output));
  }

  private async getCommand(id: string, path: string): Promise<void> {
    const data = this.fs.read(path);
    let seq = 0;
    for (let at = 0; at < data.length; at += CHUNK) await this.out(id, seq++, false, data.subarray(at, at + CHUNK));
    await this.out(id, seq, true, Buffer.alloc(0));
  }

  private async streamed(cmd: 'put' | 'ota', id: string, tail: string, seq: number, last: boolean, payload: Buffer): Promise<void> {
    let up = this.uploads.get(id);
    if (!up) {
      if (seq !== 0) return; // the rest of an upload that already failed
      up = { cmd, tail, next: 0, parts: [] };
      this.uploads.set(id, up);
      if (cmd === 'put') this.fs.write(tail, Buffer.alloc(0)); // in place: the old file is gone now
    }
    if (seq < up.next) return; // a QoS 1 redelivery
    if (seq > up.next) throw new Error(`missing message ${up.next} (got ${seq})`);
    up.next++;
    if (cmd === 'put') this.fs.append(tail, payload);
    else up.parts.push(payload);
    if (cmd === 'ota' && seq % ACK_EVERY === 0) await this.out(id, 0x7fff, true, Buffer.from(`SEQ ${seq}`));
    if (!last) return;
    this.uploads.delete(id);
    if (cmd === 'ota') {
      const sha = createHash('sha256').update(Buffer.concat(up.parts)).digest('hex');
      if (sha !== tail) throw new Error(`SHA256 mismatch: ${sha}`);
      this.otaImages.push(sha);
    }
    await this.out(id, 0x7fff, true, Buffer.from('OK'));
  }

  /** machine.reset() through eval: the connection drops without a reply, the board boots again. */
  private async reset(): Promise<void> {
    this.resets++;
    clearInterval(this.heartbeat);
    this.client?.end(true);
    this.client = undefined;
    this.uploads.clear();
    this.serial.push('rst:0xc (SW_CPU_RESET)');
    await this.start();
  }

  private async out(id: string, seq: number, last: boolean, payload: Buffer): Promise<void> {
    await this.client?.publishAsync(`${this.opts.prefix}/mqb/reply/out/${id}`, frame(seq, last, payload), { qos: 1 });
  }

  private async err(id: string, text: string): Promise<void> {
    await this.client?.publishAsync(`${this.opts.prefix}/mqb/reply/err/${id}`, text, { qos: 1 });
  }
}

function frame(seq: number, last: boolean, payload: Buffer): Buffer {
  const b = Buffer.alloc(2 + payload.length);
  b.writeUInt16BE((last ? LAST : 0) | seq, 0);
  payload.copy(b, 2);
  return b;
}
