// A client of the ORIGINAL MQBoard wire protocol (version 1), written only from the reference
// facts about it (summarised in docs/protocol.md) and deliberately independent of our
// own protocol code (src-main/common/protocol.ts): in tests it stands for an unmodified original
// client, so a board that answers it answers the boards' existing tooling in the field.
// eval, get, put and ota; 1,400-byte framed messages; SEQ flow control above 100 KB.
// `run` is the one invocation the original framing defines; tests also send our version-2
// commands through it, since their framing is the same.
import { createHash, randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';

const CHUNK = 1400;
const WINDOW = 16;
const FLOW_CONTROL_ABOVE = 100 * 1024;
const LAST = 0x8000;
const NO_SEQ = 0x7fff;

/** The board answered on the err topic. */
export class V1BoardError extends Error {
  override name = 'V1BoardError';
}

export interface V1ClientOptions {
  /** Give up when the board sends nothing (reply or SEQ) for this long (default 30 s). */
  idleTimeoutMs?: number;
}

export interface V1RunOptions {
  /** Stream with SEQ flow control (default: only for payloads over 100 KB, as the original). */
  flowControl?: boolean;
  /** Called with each "SEQ <n>" the board sends. */
  onAck?: (seq: number) => void;
}

export class V1Client {
  constructor(
    private readonly mqtt: MqttClient,
    private readonly prefix: string,
    private readonly opts: V1ClientOptions = {},
  ) {}

  /** repr() of an expression, or what statements printed. */
  eval(source: string): Promise<Buffer> {
    return this.run('eval', '', Buffer.from(source));
  }

  get(path: string): Promise<Buffer> {
    return this.run('get', path, Buffer.alloc(0));
  }

  async put(path: string, data: Uint8Array, opts: V1RunOptions = {}): Promise<void> {
    expectOk(await this.run('put', path, data, opts), 'put');
  }

  /** Writes `image` into the next OTA partition and marks it for boot (the board does not reset). */
  async ota(image: Uint8Array, opts: V1RunOptions = {}): Promise<void> {
    const sha = createHash('sha256').update(image).digest('hex');
    expectOk(await this.run('ota', sha, image, opts), 'ota');
  }

  /** The original "hard" reset: machine.reset() through eval; no reply comes back. */
  async resetHard(): Promise<void> {
    const id = newId();
    await this.mqtt.publishAsync(`${this.prefix}/mqb/cmd/eval/${id}`, frame(0, true, Buffer.from('import machine\nmachine.reset()')), { qos: 1 });
  }

  /**
   * One invocation of `cmd`: `data` goes in one message, or streamed in 1,400-byte framed
   * messages; resolves with the reply (a single reply, or framed replies up to *last*).
   */
  async run(cmd: string, tail: string, data: Uint8Array, opts: V1RunOptions = {}): Promise<Buffer> {
    const id = newId();
    const out = `${this.prefix}/mqb/reply/out/${id}`;
    const err = `${this.prefix}/mqb/reply/err/${id}`;
    const idleMs = this.opts.idleTimeoutMs ?? 30_000;
    const flow = opts.flowControl ?? data.length > FLOW_CONTROL_ABOVE;
    let acked = -1;
    let wake: (() => void) | undefined;
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    let resolveResult!: (b: Buffer) => void;
    let rejectResult!: (e: Error) => void;
    const result = new Promise<Buffer>((resolve, reject) => {
      resolveResult = (b) => ((settled = true), resolve(b));
      rejectResult = (e) => ((settled = true), reject(e));
    });
    result.catch(() => undefined); // awaited below; an early err must not count as unhandled
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => rejectResult(new Error(`${cmd} ${tail}: no answer from the board for ${idleMs} ms`)), idleMs);
    };
    const parts: Buffer[] = [];
    const onMessage = (topic: string, msg: Buffer) => {
      if (settled || (topic !== out && topic !== err)) return;
      touch();
      if (topic === err) return rejectResult(new V1BoardError(msg.toString()));
      if (msg.length < 2) return rejectResult(new Error(`${cmd}: reply without a header`));
      const hdr = msg.readUInt16BE(0);
      const payload = msg.subarray(2);
      if (payload.subarray(0, 4).toString() === 'SEQ ') {
        const n = Number(payload.subarray(4).toString());
        opts.onAck?.(n);
        if (n > acked) acked = n;
        wake?.();
        return;
      }
      if (hdr === (LAST | NO_SEQ)) return resolveResult(payload);
      const seq = hdr & NO_SEQ;
      if (seq < parts.length) return; // a redelivered reply
      if (seq > parts.length) return rejectResult(new Error(`${cmd}: reply ${seq} arrived, ${parts.length} expected`));
      parts.push(Buffer.from(payload));
      if (hdr & LAST) resolveResult(Buffer.concat(parts));
    };
    this.mqtt.on('message', onMessage);
    try {
      await this.mqtt.subscribeAsync([out, err], { qos: 1 });
      touch();
      const count = Math.max(1, Math.ceil(data.length / CHUNK));
      const sent: Promise<unknown>[] = [];
      for (let seq = 0; seq < count && !settled; seq++) {
        while (flow && seq > acked + WINDOW && !settled) {
          await Promise.race([new Promise<void>((r) => (wake = r)), result.catch(() => undefined)]);
        }
        if (settled) break;
        const body = data.subarray(seq * CHUNK, (seq + 1) * CHUNK);
        const topic = `${this.prefix}/mqb/cmd/${cmd}/${id}${tail ? `/${tail}` : ''}`;
        sent.push(this.mqtt.publishAsync(topic, frame(seq, seq === count - 1, body), { qos: 1 }));
      }
      await Promise.all(sent);
      return await result;
    } finally {
      settled = true;
      clearTimeout(idle);
      this.mqtt.off('message', onMessage);
      await this.mqtt.unsubscribeAsync([out, err]).catch(() => undefined);
    }
  }
}

function frame(seq: number, last: boolean, payload: Uint8Array): Buffer {
  const msg = Buffer.alloc(2 + payload.length);
  msg.writeUInt16BE((last ? LAST : 0) | seq, 0);
  msg.set(payload, 2);
  return msg;
}

function newId(): string {
  return randomBytes(6).toString('base64url'); // 8 url-safe base64 characters
}

function expectOk(reply: Buffer, cmd: string): void {
  if (reply.toString() !== 'OK') throw new Error(`${cmd}: the board answered ${JSON.stringify(reply.toString())} instead of OK`);
}
