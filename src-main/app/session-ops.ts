// Long-lived things a UI client opens: REPL sessions (tty.*) and log subscriptions (logs.*). Each
// belongs to the client that opened it, and ends when that client goes (window closed, browser
// tab gone), so nothing keeps running on a board for nobody.
import { ConsoleError } from '../common/contract.js';
import type { LogLine } from '../common/contract.js';
import { formatLogLine } from '../common/log-line.js';
import type { TtySession } from '../core/tty-session.js';
import { Batcher } from './event-bus.js';
import { openBoard } from './service-context.js';
import type { HandlerGroup, ServiceContext } from './service-context.js';

interface OpenTty {
  tty: TtySession;
  clientId: string;
}

interface LogWatch {
  profileId: string;
  prefix: string;
  clients: Set<string>;
  stop(): void;
}

/** How long opening a log pane waits for the board's kept lines (an asleep board is not asked). */
const PANE_FETCH_MS = 2_000;
const logKey = (profileId: string, prefix: string) => `${profileId}\n${prefix}`;

export class SessionOps {
  private readonly ttys = new Map<string, OpenTty>();
  private readonly logs = new Map<string, LogWatch>();

  constructor(private readonly ctx: ServiceContext) {}

  handlers(): HandlerGroup<'tty.open' | 'tty.input' | 'tty.interrupt' | 'tty.complete' | 'tty.close' | 'logs.subscribe' | 'logs.unsubscribe' | 'logs.export'> {
    const { ctx } = this;
    return {
      'tty.open': async (p, { clientId }) => {
        await openBoard(ctx, p.profileId, p.prefix); // NO_BOARD / OFFLINE before a session starts
        const tty = ctx.engine.tty(p.profileId, p.prefix);
        const sessionId = tty.id;
        // The session's events (its first prompt, too) start only after the reply that tells the
        // UI its id: held back until then, released once the reply is on its way.
        let held: { kind: 'out' | 'prompt' | 'end'; text: string }[] | undefined = [];
        const emit = (kind: 'out' | 'prompt' | 'end', text: string) => {
          if (held) held.push({ kind, text });
          else ctx.bus.emit('tty.output', { sessionId, kind, text });
        };
        tty.on('output', (text) => emit('out', text));
        tty.on('prompt', (text) => emit('prompt', text));
        tty.on('end', ({ text, error }) => {
          this.ttys.delete(sessionId);
          emit('end', error ? `${text}${error.message}` : text);
        });
        this.ttys.set(sessionId, { tty, clientId });
        try {
          await tty.open();
        } catch (err) {
          this.ttys.delete(sessionId);
          throw err;
        }
        setTimeout(() => {
          const events = held ?? [];
          held = undefined;
          for (const e of events) emit(e.kind, e.text);
        }, 0);
        return { sessionId };
      },
      'tty.input': async (p, { clientId }) => {
        await this.tty(p.sessionId, clientId).input(p.text);
        return {};
      },
      'tty.interrupt': async (p, { clientId }) => {
        await this.tty(p.sessionId, clientId).interrupt();
        return {};
      },
      'tty.complete': async (p, { clientId }) => {
        const c = await this.tty(p.sessionId, clientId).complete(p.line);
        return { prefix: c.prefix, matches: c.matches };
      },
      'tty.close': async (p, { clientId }) => {
        const tty = this.tty(p.sessionId, clientId);
        this.ttys.delete(p.sessionId);
        await tty.close();
        return {};
      },
      'logs.subscribe': async (p, { clientId }) => {
        const stream = ctx.engine.logs(p.profileId, p.prefix);
        const key = logKey(p.profileId, p.prefix);
        let watch = this.logs.get(key);
        if (!watch) {
          const batch = new Batcher<LogLine>((lines) => ctx.bus.emit('logs.lines', { profileId: p.profileId, prefix: p.prefix, lines }));
          const onLine = (line: LogLine) => batch.push(line);
          stream.on('line', onLine);
          // What the board kept of its log before the console listened (a short wait at most).
          await ctx.engine.fetchKeptLogs(p.profileId, p.prefix, PANE_FETCH_MS);
          await stream.start();
          watch = {
            profileId: p.profileId,
            prefix: p.prefix,
            clients: new Set(),
            stop: () => {
              stream.off('line', onLine);
              batch.flush();
              void stream.stop().catch(() => undefined);
            },
          };
          this.logs.set(key, watch);
        }
        watch.clients.add(clientId);
        return stream.lines();
      },
      'logs.unsubscribe': async (p, { clientId }) => {
        this.dropLogClient(logKey(p.profileId, p.prefix), clientId);
        return {};
      },
      'logs.export': async (p) => {
        const lines = ctx.engine.logs(p.profileId, p.prefix).lines();
        return { text: lines.map((l) => `${new Date(l.t).toISOString()} ${formatLogLine(l)}\n`).join('') };
      },
    };
  }

  /** A client went away: its REPL sessions end, its log subscriptions are dropped. */
  clientGone(clientId: string): void {
    for (const [id, open] of [...this.ttys]) {
      if (open.clientId !== clientId) continue;
      this.ttys.delete(id);
      void open.tty.close().catch(() => undefined);
    }
    for (const key of [...this.logs.keys()]) this.dropLogClient(key, clientId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.ttys.values()].map((t) => t.tty.close().catch(() => undefined)));
    this.ttys.clear();
    for (const w of this.logs.values()) w.stop();
    this.logs.clear();
  }

  private tty(sessionId: string, clientId: string): TtySession {
    const open = this.ttys.get(sessionId);
    // Another client's session is as good as unknown: a session id is not a capability to share.
    if (!open || open.clientId !== clientId) throw new ConsoleError('USAGE', `no open REPL session ${sessionId} (it ended or was never opened here)`);
    return open.tty;
  }

  private dropLogClient(key: string, clientId: string): void {
    const watch = this.logs.get(key);
    if (!watch || !watch.clients.delete(clientId) || watch.clients.size > 0) return;
    this.logs.delete(key);
    watch.stop();
  }
}
