// An interactive REPL on a board through its `tty` command (docs/protocol.md): one invocation id
// is one session, both directions number their messages across the whole session, and every
// payload starts with an opcode byte (l input, c Ctrl-C, t completion, q quit / o output,
// p prompt, t completion, e end).
import { EventEmitter } from 'node:events';
import { MqbError } from '../common/errors.js';
import { decodeFrame, decodeText, encodeFrame, encodeText, FrameSequencer, newCommandId, TOPIC } from '../common/protocol.js';
import { boardError, realTimers } from './board-invocation.js';
import type { SessionLike, Timers } from './board-invocation.js';

export interface TtyEvents {
  output: [string];
  prompt: [string];
  /** The session is over: the board's farewell text, or the error that ended it. */
  end: [{ text: string; error?: MqbError }];
}

export interface TtyOptions {
  /** How long open() and complete() wait for the board (default 10 s). */
  timeoutMs?: number;
  timers?: Timers;
  newId?: () => string;
}

export interface Completion {
  prefix: string;
  matches: string[];
}

export class TtySession extends EventEmitter<TtyEvents> {
  readonly id: string;
  private seqOut = 0;
  private readonly seqIn = new FrameSequencer();
  private unsubs: Array<() => Promise<void>> = [];
  private ended = false;
  private completions: Array<(c: Completion) => void> = [];
  private readonly timers: Timers;
  private readonly timeoutMs: number;

  constructor(
    private readonly session: SessionLike,
    readonly prefix: string,
    private readonly opts: TtyOptions = {},
  ) {
    super();
    this.id = (opts.newId ?? (() => newCommandId()))();
    this.timers = opts.timers ?? realTimers;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Starts the session; resolves with the board's first prompt. */
  async open(): Promise<string> {
    this.unsubs.push(await this.session.subscribe(TOPIC.out(this.prefix, this.id), (_t, p) => this.onOut(p), 1));
    this.unsubs.push(await this.session.subscribe(TOPIC.err(this.prefix, this.id), (_t, p) => this.finish('', boardError('tty', this.prefix, decodeText(p))), 1));
    const prompt = this.waitFor<string>('prompt', (resolve) => {
      const onPrompt = (p: string) => resolve(p);
      this.once('prompt', onPrompt);
      return () => this.off('prompt', onPrompt);
    });
    prompt.catch(() => {}); // awaited below; this only keeps an early rejection from being "unhandled"
    try {
      // An empty input is the opener: the board answers with its prompt.
      await this.send('l', '');
      return await prompt;
    } catch (err) {
      this.finish('', err instanceof MqbError ? err : undefined);
      throw err;
    }
  }

  /** One or more lines (a paste); each is sent with its newline. */
  async input(text: string): Promise<void> {
    await this.send('l', text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Ctrl-C: interrupts the running statement or drops the pending block. */
  async interrupt(): Promise<void> {
    await this.send('c', '');
  }

  complete(line: string): Promise<Completion> {
    const result = this.waitFor<Completion>('completion', (resolve) => {
      this.completions.push(resolve);
      return () => (this.completions = this.completions.filter((c) => c !== resolve));
    });
    void this.send('t', line).catch(() => {});
    return result;
  }

  /**
   * Ends the session: sends `q`, after which the board runs the lines it has and ends. With
   * `drainMs`, output keeps coming until the board's end (the end of a piped script), or until
   * the board has been silent that long; without, the subscriptions go at once.
   */
  async close(opts: { drainMs?: number } = {}): Promise<void> {
    if (this.ended) return;
    const sent = this.send('q', '', true);
    if (!opts.drainMs) {
      await sent.catch(() => {});
      return this.finish('');
    }
    const drainMs = opts.drainMs;
    await new Promise<void>((resolve) => {
      let timer: unknown;
      const silent = () => {
        this.timers.clearTimeout(timer);
        timer = this.timers.setTimeout(() => this.finish('', new MqbError('TIMEOUT', `${this.prefix} sent nothing for ${drainMs / 1000} s after the input ended; what runs there keeps running`)), drainMs);
      };
      const onFrame = () => silent();
      this.on('output', onFrame);
      this.on('prompt', onFrame);
      this.once('end', () => {
        this.timers.clearTimeout(timer);
        this.off('output', onFrame);
        this.off('prompt', onFrame);
        resolve();
      });
      silent();
      sent.catch((err: unknown) => this.finish('', err instanceof MqbError ? err : new MqbError('CANCELLED', String(err))));
    });
  }

  private async send(op: string, text: string, last = false): Promise<void> {
    if (this.ended) throw new MqbError('CANCELLED', `the REPL session on ${this.prefix} is closed`);
    const seq = this.seqOut++;
    await this.session.publish(TOPIC.cmd(this.prefix, 'tty', this.id), encodeFrame(seq, last, encodeText(op + text)), { qos: 1 });
  }

  private onOut(msg: Uint8Array): void {
    if (this.ended) return;
    let frame;
    try {
      frame = decodeFrame(msg);
    } catch (err) {
      return this.finish('', new MqbError('PROTOCOL', `tty on ${this.prefix}: ${(err as Error).message}`));
    }
    const verdict = this.seqIn.accept(frame);
    if (verdict === 'duplicate') return;
    if (verdict !== 'deliver') return this.finish('', new MqbError('PROTOCOL', `tty on ${this.prefix}: ${verdict.gap} message(s) lost`));
    const op = String.fromCharCode(frame.payload[0] ?? 0);
    const text = decodeText(frame.payload.subarray(1));
    switch (op) {
      case 'o':
        this.emit('output', text);
        break;
      case 'p':
        this.emit('prompt', text);
        break;
      case 't': {
        const c = parseCompletion(text);
        this.completions.shift()?.(c);
        break;
      }
      case 'e':
        this.finish(text);
        break;
      default:
        break; // an opcode from a newer board: ignored
    }
    if (frame.last && !this.ended) this.finish('');
  }

  private waitFor<T>(what: string, arm: (resolve: (v: T) => void) => () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const disarm = arm((v) => {
        cleanup();
        resolve(v);
      });
      const onEnd = (e: { text: string; error?: MqbError }) => {
        cleanup();
        reject(e.error ?? new MqbError('CANCELLED', `the REPL session on ${this.prefix} ended${e.text ? `: ${e.text}` : ''}`));
      };
      const timer = this.timers.setTimeout(() => {
        cleanup();
        reject(new MqbError('TIMEOUT', `${this.prefix} did not answer the REPL (${what}) within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      const cleanup = () => {
        disarm();
        this.off('end', onEnd);
        this.timers.clearTimeout(timer);
      };
      this.once('end', onEnd);
    });
  }

  private finish(text: string, error?: MqbError): void {
    if (this.ended) return;
    this.ended = true;
    for (const u of this.unsubs.splice(0)) void u().catch(() => {});
    this.emit('end', error ? { text, error } : { text });
  }
}

function parseCompletion(text: string): Completion {
  try {
    const j = JSON.parse(text) as { prefix?: unknown; matches?: unknown };
    return {
      prefix: typeof j.prefix === 'string' ? j.prefix : '',
      matches: Array.isArray(j.matches) ? j.matches.filter((m): m is string => typeof m === 'string') : [],
    };
  } catch {
    return { prefix: '', matches: [] };
  }
}
