// ConsoleApi over the web mode's WebSocket: JSON messages (bytes as base64), replies matched by id,
// events pushed by the server. Every request has a timeout; a lost connection fails the requests
// in flight (their outcome is unknown) and reconnects with a backoff, keeping what was not sent yet.
import { ConsoleError, isRequestName } from '../../src-main/common/contract.js';
import type { ConsoleApi, RequestName, WireError } from '../../src-main/common/contract.js';
import { decodeWire, encodeWire } from '../../src-main/common/wire-codec.js';
import { EventHub } from './event-hub.js';
import { clientTimeoutMs, timeoutError } from './timeouts.js';

/** The part of the browser WebSocket this transport uses (the `ws` package fits it too). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface WebSocketTransportOptions {
  /** Makes the socket (default: the global WebSocket). */
  connect?: (url: string) => WebSocketLike;
  /** Delays between reconnection attempts; the last repeats. [] = never reconnect. */
  reconnectDelaysMs?: number[];
}

interface Pending {
  op: RequestName;
  text: string;
  sent: boolean;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

type ConnectionState = ConsoleApi['connection'];
const OPEN = 1;

export function createWebSocketTransport(url: string, token: string, opts: WebSocketTransportOptions = {}): ConsoleApi {
  const hub = new EventHub();
  const pending = new Map<number, Pending>();
  const connectionListeners = new Set<(s: ConnectionState) => void>();
  const delays = opts.reconnectDelaysMs ?? [500, 1_000, 2_000, 5_000, 10_000];
  const make = opts.connect ?? ((u: string) => new (globalThis as unknown as { WebSocket: new (u: string) => WebSocketLike }).WebSocket(u));
  const fullUrl = `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  let state: ConnectionState = 'connecting';
  let socket: WebSocketLike | undefined;
  let attempt = 0;
  let nextId = 1;
  let closed = false;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  const setState = (s: ConnectionState) => {
    if (state === s) return;
    state = s;
    for (const l of [...connectionListeners]) l(s);
  };

  const settle = (id: number, fn: (p: Pending) => void) => {
    const p = pending.get(id);
    if (!p) return; // late answer after a timeout: dropped
    pending.delete(id);
    clearTimeout(p.timer);
    fn(p);
  };

  const onMessage = (data: unknown) => {
    let msg: unknown;
    try {
      msg = decodeWire(typeof data === 'string' ? data : String(data));
    } catch {
      console.warn('mqboard: dropped a malformed message from the server');
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as { id?: unknown; ok?: unknown; result?: unknown; error?: WireError; event?: unknown; data?: unknown };
    if (typeof m.event === 'string') {
      hub.emit(m.event, m.data);
    } else if (typeof m.id === 'number') {
      if (m.ok === true) settle(m.id, (p) => p.resolve(m.result));
      else settle(m.id, (p) => p.reject(new ConsoleError(m.error?.code ?? 'INTERNAL', m.error?.message ?? 'the server answered with an error')));
    }
  };

  const open = () => {
    setState('connecting');
    const ws = make(fullUrl);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState('open');
      for (const [, p] of pending) {
        if (!p.sent) {
          p.sent = true;
          ws.send(p.text);
        }
      }
    };
    ws.onmessage = (ev) => onMessage(ev.data);
    ws.onerror = () => undefined; // onclose follows and says what to do
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = undefined;
      // Sent but unanswered: the server may or may not have run them; say so instead of guessing.
      for (const [id, p] of [...pending]) {
        if (p.sent) settle(id, (x) => x.reject(new ConsoleError('DISCONNECTED', `${x.op}: the connection to the console server was lost before it answered`)));
      }
      if (closed || delays.length === 0) {
        setState('closed');
        for (const [id] of [...pending]) settle(id, (x) => x.reject(new ConsoleError('DISCONNECTED', `${x.op}: not connected to the console server`)));
        return;
      }
      setState('connecting');
      const delay = delays[Math.min(attempt++, delays.length - 1)]!;
      reconnectTimer = setTimeout(open, delay);
    };
  };

  open();

  return {
    mode: 'web',
    get connection() {
      return state;
    },
    request(op, params, ropts) {
      if (closed) return Promise.reject(new ConsoleError('DISCONNECTED', 'the console API was closed'));
      if (!isRequestName(op)) return Promise.reject(new ConsoleError('UNKNOWN_OPERATION', `unknown operation ${String(op)}`));
      const id = nextId++;
      const ms = clientTimeoutMs(op, ropts);
      return new Promise((resolve, reject) => {
        const text = encodeWire({ id, op, params });
        const timer = setTimeout(() => settle(id, (p) => p.reject(timeoutError(p.op, ms))), ms);
        const p: Pending = { op, text, sent: false, resolve: resolve as (v: unknown) => void, reject, timer };
        pending.set(id, p);
        if (socket && socket.readyState === OPEN) {
          p.sent = true;
          socket.send(text);
        }
      });
    },
    on: (event, listener) => hub.on(event, listener),
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(reconnectTimer);
      if (socket) socket.close(1000, 'closed by the console');
      else setState('closed');
      for (const [id] of [...pending]) settle(id, (x) => x.reject(new ConsoleError('DISCONNECTED', `${x.op}: the console API was closed`)));
    },
  };
}
