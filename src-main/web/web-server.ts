// The web mode: the console UI in a browser. A Node HTTP server (loopback by default) serves the
// built renderer and one WebSocket endpoint that carries the same contract as Electron's IPC.
// Access needs the random token printed in the URL (`http://127.0.0.1:<port>/#token=...`): the
// fragment never reaches server logs or Referer headers; the page hands it to the WebSocket.
import * as fs from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { EventName } from '../common/contract.js';
import type { Dispatch } from '../app/dispatcher.js';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../app/csp.js';
import { contentTypeOf, resolveAsset } from '../app/static-assets.js';
import { allowedHosts, checkUpgrade, hostAllowed, newAccessToken } from './access.js';
import { WsClientSession } from './ws-client-session.js';

/** Where main's events come from, and who hears that a client left. */
export interface EventFeed {
  subscribe(listener: (event: EventName, data: unknown) => void): () => void;
  /** A client went away: the sessions it owned (REPL, log subscriptions) end. */
  clientGone?(clientId: string): void;
}

export interface WebServerOptions {
  /** Interface to bind (default 127.0.0.1: the console is not on the network unless asked). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** The built renderer (index.html, app.js, ...). */
  rootDir: string;
  dispatch: Dispatch;
  events?: EventFeed;
  /** Access token (default: 32 random bytes). */
  token?: string;
  maxInFlightPerClient?: number;
  /** Largest message a client may send (uploads and firmware images travel as base64). */
  maxMessageBytes?: number;
}

export interface WebServer {
  /** What to open in the browser: the page with the token in its fragment. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newAccessToken();
  const sessions = new Map<string, WsClientSession>();
  // The Host names to accept depend on the port, known once listening (nothing arrives before).
  const hosts: { allowed?: Set<string> } = {};
  let nextClient = 1;

  const server = createServer((req, res) => serveFile(req, res, opts.rootDir, hosts.allowed));
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes ?? 48 * 1024 * 1024 });

  // A peer may reset its connection at any moment (also one we are refusing): a socket without an
  // 'error' listener would take the whole process down with it (issue 9.1).
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('connection', (socket) => socket.on('error', () => socket.destroy()));
  wss.on('error', () => {}); // errors of single connections arrive on their own sockets
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    socket.on('error', () => socket.destroy());
    const verdict = checkUpgrade(req, token, hosts.allowed);
    if (!verdict.ok) {
      socket.end(`HTTP/1.1 ${verdict.status} ${verdict.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const clientId = `web-${nextClient++}`;
      const session = new WsClientSession(ws, {
        clientId,
        dispatch: opts.dispatch,
        maxInFlight: opts.maxInFlightPerClient ?? 64,
        maxBufferedBytes: 8 * 1024 * 1024,
      });
      sessions.set(clientId, session);
      ws.on('close', () => {
        sessions.delete(clientId);
        opts.events?.clientGone?.(clientId);
      });
    });
  });

  const unsubscribe = opts.events?.subscribe((event, data) => {
    for (const session of sessions.values()) session.pushEvent(event, data);
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  hosts.allowed = allowedHosts(host, port);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const origin = `http://${shownHost}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: () =>
      (closing ??= (async () => {
        unsubscribe?.();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

function serveFile(req: IncomingMessage, res: ServerResponse, root: string, allowed: Set<string> | undefined): void {
  const send = (status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS, ...headers });
    res.end(text);
  };
  if (!hostAllowed(req.headers.host, allowed)) return send(403, 'Forbidden: unknown Host\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
  const file = resolveAsset(root, req.url ?? '/');
  if (!file) return send(404, 'Not Found\n');
  const wsOrigin = `ws://${req.headers.host}`;
  res.writeHead(200, {
    'Content-Type': contentTypeOf(file),
    'Content-Security-Policy': contentSecurityPolicy({ connectSrc: [wsOrigin] }),
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
  });
  if (req.method === 'HEAD') return void res.end();
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
