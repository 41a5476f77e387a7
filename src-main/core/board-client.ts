// Commands to one board (one prefix) over a shared session: `request` (one framed message out,
// framed replies back) and `send` (a stream out with SEQ-ack flow control, one result back).
// docs/protocol.md is the contract; the framing lives in common/protocol.ts.
import { MqbError } from '../common/errors.js';
import { decodeFrame, encodeFrame, encodeText, FrameSequencer, newCommandId, parseAck, PROTO_V1, singleCommand, TOPIC, V1_CAPS, WINDOW } from '../common/protocol.js';
import { Invocation, realTimers } from './board-invocation.js';
import type { ResetWatch, SessionLike, Timers } from './board-invocation.js';
import { ReplyRouter } from './reply-router.js';
import { TtySession } from './tty-session.js';
import type { TtyOptions } from './tty-session.js';

export type { ResetWatch, SessionLike, Timers } from './board-invocation.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

export interface BoardClientOptions {
  proto?: number;
  caps?: string[];
  /** Default window of send(): what the board's status announced (WINDOW if it did not). */
  window?: number;
  /** Bytes the board's OTA slot holds (its status's ota_slot), if it said. */
  otaSlot?: number;
  timeoutMs?: number;
  /** Makes a running command fail with BOARD_RESET when the board restarts (the engine wires the fleet registry in). */
  watchReset?: ResetWatch;
  timers?: Timers;
  newId?: () => string;
}

export interface RequestOptions {
  tail?: string;
  payload?: Uint8Array | string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each reply payload as it arrives (streamed eval output, get). */
  onFrame?: (payload: Uint8Array) => void;
}

export interface SendOptions {
  tail?: string;
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  window?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onAck?: (seq: number) => void;
  /** A message reached the broker (PUBACK). */
  onSent?: (seq: number, bytes: number) => void;
  /**
   * false: the board never sends SEQ (a version-1 `put`): the window then counts messages the
   * broker has not acknowledged yet. What the board has not read waits in the broker's queue;
   * TCP flow control, not this window, keeps it out of the board's heap.
   */
  boardAcks?: false;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Collects the framed result of an invocation: single replies, or seq 0.. until last. */
class ResultCollector {
  private readonly seq = new FrameSequencer();
  private readonly parts: Uint8Array[] = [];
  constructor(
    private readonly inv: () => Invocation,
    private readonly what: string,
    private readonly onFrame?: (payload: Uint8Array) => void,
  ) {}

  /** Takes one result frame; finishes the invocation on the last one. */
  accept(frame: ReturnType<typeof decodeFrame>): void {
    const verdict = this.seq.accept(frame);
    if (verdict === 'duplicate') return;
    if (verdict !== 'deliver') {
      throw new MqbError('PROTOCOL', `${this.what}: ${verdict.gap} reply message(s) missing before seq ${frame.seq}`);
    }
    this.onFrame?.(frame.payload);
    if (frame.single) return this.inv().finish(this.parts.length ? concat([...this.parts, frame.payload]) : frame.payload);
    this.parts.push(frame.payload);
    if (frame.last) this.inv().finish(concat(this.parts));
  }
}

export class BoardClient {
  readonly proto: number;
  readonly caps: string[];
  /** Default window of send(): what the board's status announced (WINDOW if it did not). */
  readonly window: number;
  /** Bytes the board's OTA slot holds, as its status said (undefined: it did not say). */
  readonly otaSlot?: number;
  readonly timeoutMs: number;
  private readonly timers: Timers;
  private readonly newId: () => string;

  constructor(
    readonly session: SessionLike,
    readonly prefix: string,
    private readonly opts: BoardClientOptions = {},
  ) {
    this.proto = opts.proto ?? PROTO_V1;
    this.caps = opts.caps ?? [...V1_CAPS];
    this.window = opts.window ?? WINDOW;
    if (opts.otaSlot !== undefined) this.otaSlot = opts.otaSlot;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.timers = opts.timers ?? realTimers;
    this.newId = opts.newId ?? (() => newCommandId());
  }

  has(cap: string): boolean {
    return this.caps.includes(cap);
  }

  /** An interactive REPL on the board (its `tty` command); call open() on it. */
  tty(opts: TtyOptions = {}): TtySession {
    return new TtySession(this.session, this.prefix, { timeoutMs: this.timeoutMs, ...opts });
  }

  /** One framed command message; resolves with the whole reply (frames concatenated). */
  async request(cmd: string, opts: RequestOptions = {}): Promise<Uint8Array> {
    const id = this.newId();
    const what = `${cmd} on ${this.prefix}`;
    const collector = new ResultCollector(() => inv, what, opts.onFrame);
    const inv: Invocation = this.invocation(cmd, id, opts.timeoutMs, opts.signal, (msg) => {
      const frame = decodeFrame(msg);
      if (frame.single && parseAck(frame.payload) !== undefined) return; // flow control, never a result
      collector.accept(frame);
    });
    await inv.open();
    const payload = typeof opts.payload === 'string' ? encodeText(opts.payload) : (opts.payload ?? new Uint8Array(0));
    this.session.publish(TOPIC.cmd(this.prefix, cmd, id, opts.tail), singleCommand(payload), { qos: 1 }).catch((err: unknown) => inv.fail(asBrokerError(err, what)));
    return inv.done;
  }

  /** Streams `chunks` as framed messages (seq 0.., last on the final one); resolves with the board's result. */
  async send(cmd: string, opts: SendOptions): Promise<Uint8Array> {
    const id = this.newId();
    const what = `${cmd} on ${this.prefix}`;
    const window = opts.window ?? this.window;
    let acked = -1;
    let brokerAcked = 0;
    let wake: (() => void) | undefined;
    const collector = new ResultCollector(() => inv, what);
    const inv: Invocation = this.invocation(cmd, id, opts.timeoutMs, opts.signal, (msg) => {
      const frame = decodeFrame(msg);
      const ack = frame.single ? parseAck(frame.payload) : undefined;
      if (ack === undefined) return collector.accept(frame);
      if (ack > acked) acked = ack;
      opts.onAck?.(ack);
      wake?.();
    });
    void inv.done.finally(() => wake?.()).catch(() => {});
    await inv.open();
    const topic = TOPIC.cmd(this.prefix, cmd, id, opts.tail);
    const publish = (seq: number, last: boolean, payload: Uint8Array) => {
      this.session.publish(topic, encodeFrame(seq, last, payload), { qos: 1 }).then(
        () => {
          inv.arm();
          brokerAcked++;
          opts.onSent?.(seq, payload.length);
          if (opts.boardAcks === false) wake?.();
        },
        (err: unknown) => inv.fail(asBrokerError(err, what)),
      );
    };
    try {
      const progress = opts.boardAcks === false ? () => brokerAcked - 1 : () => acked;
      await this.stream(opts.chunks, window, progress, inv, publish, (w) => (wake = w));
    } catch (err) {
      inv.fail(err instanceof MqbError ? err : new MqbError('LOCAL_IO', `${what}: reading the data to send failed: ${(err as Error).message}`));
    }
    return inv.done;
  }

  private async stream(
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    window: number,
    acked: () => number,
    inv: Invocation,
    publish: (seq: number, last: boolean, payload: Uint8Array) => void,
    setWake: (w: (() => void) | undefined) => void,
  ): Promise<void> {
    const it = Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : (chunks as Iterable<Uint8Array>)[Symbol.iterator]();
    let cur = await it.next();
    if (cur.done) {
      publish(0, true, new Uint8Array(0)); // an empty stream is still one message: e.g. an empty file
      return;
    }
    for (let seq = 0; !inv.finished; seq++) {
      if (seq > 0x7ffe) throw new MqbError('USAGE', 'too many messages for one command (sequence numbers exhausted)');
      const next = await it.next();
      while (seq - acked() > window && !inv.finished) {
        await new Promise<void>((resolve) => setWake(resolve));
        setWake(undefined);
      }
      if (inv.finished) break;
      publish(seq, next.done === true, cur.value as Uint8Array);
      if (next.done) break;
      cur = next;
    }
    if (inv.finished) await it.return?.();
  }

  private invocation(cmd: string, id: string, timeoutMs: number | undefined, signal: AbortSignal | undefined, onOut: (payload: Uint8Array) => void): Invocation {
    return new Invocation({
      replies: ReplyRouter.for(this.session, this.prefix, { timers: this.timers }),
      prefix: this.prefix,
      cmd,
      id,
      timeoutMs: timeoutMs ?? this.timeoutMs,
      timers: this.timers,
      signal,
      watchReset: this.opts.watchReset,
      onOut: (payload) => {
        try {
          onOut(payload);
        } catch (err) {
          if (err instanceof MqbError) throw err;
          throw new MqbError('PROTOCOL', `${cmd} on ${this.prefix}: ${(err as Error).message}`);
        }
      },
    });
  }
}

function asBrokerError(err: unknown, what: string): MqbError {
  if (err instanceof MqbError) return err;
  return new MqbError('BROKER_DOWN', `${what}: publishing to the broker failed: ${(err as Error).message}`);
}
