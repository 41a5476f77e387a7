// One command invocation on a board (docs/protocol.md): its route on the board's reply
// subscription (ReplyRouter), the timeout that restarts on every frame, cancellation, and the end
// (result or error) after which its replies are always ignored. BoardClient builds request/send
// on top of it.
import { MqbError } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import { decodeText } from '../common/protocol.js';
import type { ReplyRouter } from './reply-router.js';

export type MessageMeta = { retain: boolean; dup: boolean };

/** What BoardClient needs from a broker session (MqttSession, or a fake in tests). */
export interface SessionLike {
  subscribe(filter: string, handler: (topic: string, payload: Uint8Array, meta: MessageMeta) => void, qos?: 0 | 1): Promise<() => Promise<void>>;
  publish(topic: string, payload: Uint8Array | string, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Watches for the board restarting while a command runs; returns the function that stops it. */
export type ResetWatch = (onReset: (why: string) => void) => () => void;

export interface InvocationSetup {
  /** The board's reply subscription, shared with its other commands. */
  replies: ReplyRouter;
  prefix: string;
  cmd: string;
  id: string;
  timeoutMs: number;
  timers: Timers;
  signal?: AbortSignal | undefined;
  watchReset?: ResetWatch | undefined;
  onOut: (payload: Uint8Array) => void;
}

/** The board's error text → the error code a script can act on. */
export function boardError(cmd: string, prefix: string, text: string): MqbError {
  const code: ErrorCode = text.startsWith('SHA-256 mismatch') ? 'SHA_MISMATCH' : 'BOARD_ERROR';
  return new MqbError(code, text.trimEnd() || `${cmd} failed on ${prefix} (no error text)`, { board: prefix, cmd, boardText: text });
}

export class Invocation {
  readonly done: Promise<Uint8Array>;
  private resolveDone!: (v: Uint8Array) => void;
  private rejectDone!: (e: Error) => void;
  private timer: unknown;
  private ended = false;
  private readonly cleanups: Array<() => void> = [];

  constructor(private readonly s: InvocationSetup) {
    this.done = new Promise<Uint8Array>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A caller that stops listening after an error must not cause an unhandled rejection.
    this.done.catch(() => {});
  }

  get finished(): boolean {
    return this.ended;
  }

  /** Routes the replies (subscribed before anything is published) and starts the watchers. */
  async open(): Promise<void> {
    const { replies, prefix, id, signal } = this.s;
    if (signal?.aborted) throw this.cancelled();
    const err = (payload: Uint8Array) => this.fail(boardError(this.s.cmd, prefix, decodeText(payload)));
    const out = (payload: Uint8Array) => {
      if (this.ended) return;
      this.arm();
      try {
        this.s.onOut(payload);
      } catch (e) {
        this.fail(e instanceof MqbError ? e : new MqbError('PROTOCOL', `${this.s.cmd} on ${prefix}: ${(e as Error).message}`));
      }
    };
    this.cleanups.push(await replies.attach(id, { out, err }));
    if (signal) {
      const onAbort = () => this.fail(this.cancelled());
      signal.addEventListener('abort', onAbort, { once: true });
      this.cleanups.push(() => signal.removeEventListener('abort', onAbort));
      if (signal.aborted) onAbort(); // aborted while subscribing
    }
    if (this.s.watchReset) {
      const stop = this.s.watchReset((why) => this.fail(new MqbError('BOARD_RESET', `${prefix} restarted during ${this.s.cmd} (${why})`, { board: prefix, cmd: this.s.cmd })));
      this.cleanups.push(stop);
    }
    this.arm();
  }

  /** (Re)starts the timeout: it measures silence, not the length of the whole command. */
  arm(): void {
    if (this.ended) return;
    if (this.timer !== undefined) this.s.timers.clearTimeout(this.timer);
    this.timer = this.s.timers.setTimeout(() => {
      this.fail(new MqbError('TIMEOUT', `${this.s.prefix} did not answer ${this.s.cmd} within ${this.s.timeoutMs / 1000} s`, { board: this.s.prefix, cmd: this.s.cmd }));
    }, this.s.timeoutMs);
  }

  finish(result: Uint8Array): void {
    if (this.ended) return;
    this.close();
    this.resolveDone(result);
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.close();
    this.rejectDone(err);
  }

  private close(): void {
    this.ended = true;
    if (this.timer !== undefined) this.s.timers.clearTimeout(this.timer);
    this.timer = undefined;
    // The route goes at once; the subscription stays for the board's next command.
    for (const c of this.cleanups.splice(0)) c();
  }

  private cancelled(): MqbError {
    return new MqbError('CANCELLED', `${this.s.cmd} on ${this.s.prefix} cancelled`, { board: this.s.prefix, cmd: this.s.cmd });
  }
}
