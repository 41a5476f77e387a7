// One subscription to a board's reply topics (`<prefix>/mqb/reply/+/+`) shared by all commands
// in flight to that board, each reply handed to its command by id. Subscribing and unsubscribing
// two topics per command cost two broker round trips before and after every command (on a local
// broker 1.3 ms of a 3 ms eval). The subscription is held while commands run and for an idle
// period after the last one (a CLI run or a burst of UI commands reuses it), then released; the
// session restores it after a reconnect.
import { MqbError } from '../common/errors.js';
import { realTimers } from './board-invocation.js';
import type { SessionLike, Timers } from './board-invocation.js';

/** Where the replies of one command go: `out` frames and the `err` text. */
export interface ReplyRoute {
  out(payload: Uint8Array): void;
  err(payload: Uint8Array): void;
}

export interface ReplyRouterOptions {
  /** How long the subscription outlives the last command (default REPLY_IDLE_MS). */
  idleMs?: number;
  timers?: Timers;
}

export const REPLY_IDLE_MS = 30_000;

const routers = new WeakMap<SessionLike, Map<string, ReplyRouter>>();

export class ReplyRouter {
  private readonly routes = new Map<string, ReplyRoute>();
  private readonly head: string;
  private subscription: Promise<() => Promise<void>> | undefined;
  private idleTimer: unknown;
  private readonly idleMs: number;
  private readonly timers: Timers;

  /** The router of a board on a session: one per prefix, whoever asks. */
  static for(session: SessionLike, prefix: string, opts: ReplyRouterOptions = {}): ReplyRouter {
    let byPrefix = routers.get(session);
    if (!byPrefix) routers.set(session, (byPrefix = new Map()));
    let router = byPrefix.get(prefix);
    if (!router) byPrefix.set(prefix, (router = new ReplyRouter(session, prefix, opts)));
    return router;
  }

  constructor(
    private readonly session: SessionLike,
    readonly prefix: string,
    opts: ReplyRouterOptions = {},
  ) {
    this.head = `${prefix}/mqb/reply/`;
    this.idleMs = opts.idleMs ?? REPLY_IDLE_MS;
    this.timers = opts.timers ?? realTimers;
  }

  get filter(): string {
    return `${this.head}+/+`;
  }

  /** Commands waiting for replies. */
  get active(): number {
    return this.routes.size;
  }

  /**
   * Routes the replies of command `id` to `route`; resolves once the broker acknowledged the
   * subscription (publish the command only then), with the function that ends the routing.
   */
  async attach(id: string, route: ReplyRoute): Promise<() => void> {
    if (this.routes.has(id)) throw new MqbError('USAGE', `command id ${id} is already waiting for replies on ${this.prefix}`);
    this.routes.set(id, route);
    this.stopIdleTimer();
    const sub = (this.subscription ??= this.session.subscribe(this.filter, (topic, payload) => this.dispatch(topic, payload), 1));
    try {
      await sub;
    } catch (err) {
      // Refused or the broker went away: the next command tries again.
      if (this.subscription === sub) this.subscription = undefined;
      this.detach(id, route);
      throw err;
    }
    return () => this.detach(id, route);
  }

  private detach(id: string, route: ReplyRoute): void {
    if (this.routes.get(id) === route) this.routes.delete(id);
    if (this.routes.size === 0 && this.subscription && this.idleTimer === undefined) {
      this.idleTimer = this.timers.setTimeout(() => this.release(), this.idleMs);
      // Waiting to release a subscription is no reason to keep a finished CLI process alive.
      (this.idleTimer as { unref?: () => void } | undefined)?.unref?.();
    }
  }

  private release(): void {
    this.idleTimer = undefined;
    const sub = this.subscription;
    if (this.routes.size > 0 || !sub) return;
    this.subscription = undefined;
    void sub.then((unsubscribe) => unsubscribe()).catch(() => {});
  }

  private stopIdleTimer(): void {
    if (this.idleTimer === undefined) return;
    this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private dispatch(topic: string, payload: Uint8Array): void {
    // <prefix>/mqb/reply/<out|err>/<id>; anything else (a reply to another console's command, a
    // late one to a command that ended) has no route and is ignored.
    if (!topic.startsWith(this.head)) return;
    const slash = topic.indexOf('/', this.head.length);
    if (slash < 0) return;
    const route = this.routes.get(topic.slice(slash + 1));
    if (!route) return;
    const kind = topic.slice(this.head.length, slash);
    if (kind === 'out') route.out(payload);
    else if (kind === 'err') route.err(payload);
  }
}
