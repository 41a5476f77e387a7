// Security and behaviour of the web mode's server with a real `ws` client on loopback; the
// handlers are fakes so every refusal can be checked to have executed nothing.
import * as fs from 'node:fs';
import { request as httpRequest } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { EventName } from '../common/contract.js';
import { ConsoleError, WS_PATH } from '../common/contract.js';
import { createDispatcher } from '../app/dispatcher.js';
import type { Handlers } from '../app/dispatcher.js';
import { createWebSocketTransport } from '../../src-renderer/api/ws-transport.js';
import type { WebSocketLike } from '../../src-renderer/api/ws-transport.js';
import { startWebServer } from './web-server.js';
import type { WebServer } from './web-server.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function makeRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-web-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script src="app.js"></script>');
  fs.writeFileSync(path.join(dir, 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, '.secret'), 'no');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(handlers: Partial<Handlers>, extra: { feed?: (l: (e: EventName, d: unknown) => void) => void; gone?: (id: string) => void } = {}): Promise<WebServer> {
  const server = await startWebServer({
    rootDir: makeRoot(),
    dispatch: createDispatcher(handlers),
    events: {
      subscribe: (l) => {
        extra.feed?.(l);
        return () => undefined;
      },
      ...(extra.gone && { clientGone: extra.gone }),
    },
  });
  cleanups.push(() => server.close());
  return server;
}

const wsUrl = (server: WebServer) => `ws://127.0.0.1:${server.port}${WS_PATH}`;

/** The status a refused upgrade answers with (or 101 when it was accepted). */
function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (e) => reject(e));
  });
}

function get(server: WebServer, urlPath: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path: urlPath, method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A raw client with the right token and Origin: sends text, collects parsed replies. */
async function rawClient(server: WebServer): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(`${wsUrl(server)}?token=${server.token}`, { origin: server.origin });
  cleanups.push(() => ws.terminate());
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  return { ws, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))) };
}

function transport(server: WebServer, token = server.token) {
  const api = createWebSocketTransport(wsUrl(server), token, {
    connect: (u) => new WebSocket(u, { origin: server.origin }) as unknown as WebSocketLike,
    reconnectDelaysMs: [],
  });
  cleanups.push(() => api.close());
  return api;
}

const appInfo: Partial<Handlers> = { 'app.info': async () => ({ mode: 'web', version: '0.1.0', demo: true }) };

describe('web mode server: the page', () => {
  it('serves the UI on loopback with a strict CSP, and the token only in the URL fragment', async () => {
    const server = await start(appInfo);
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#token=[A-Za-z0-9_-]{43}$`));
    const res = await get(server, '/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<script src="app.js">');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses paths outside the renderer, hidden files, other methods and foreign Host names', async () => {
    const server = await start(appInfo);
    expect((await get(server, '/../package.json')).status).toBe(404);
    expect((await get(server, '/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await get(server, '/.secret')).status).toBe(404);
    expect((await get(server, '/%E0%A4%A')).status).toBe(404);
    expect((await get(server, '/app.js', {}, 'POST')).status).toBe(405);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    expect((await get(server, '/', { Host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await get(server, '/', { Host: `localhost:${server.port}` })).status).toBe(200);
  });
});

describe('web mode server: who may open the WebSocket', () => {
  it('refuses an upgrade without the token, with a wrong token, or with a foreign or missing Origin', async () => {
    const server = await start(appInfo);
    expect(await upgradeStatus(wsUrl(server), server.origin)).toBe(401);
    expect(await upgradeStatus(`${wsUrl(server)}?token=${'x'.repeat(43)}`, server.origin)).toBe(401);
    expect(await upgradeStatus(`${wsUrl(server)}?token=${server.token}`, 'http://evil.example')).toBe(403);
    expect(await upgradeStatus(`${wsUrl(server)}?token=${server.token}`, `http://127.0.0.1:${server.port + 1}`)).toBe(403);
    expect(await upgradeStatus(`${wsUrl(server)}?token=${server.token}`)).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, server.origin)).toBe(404);
    expect(await upgradeStatus(`${wsUrl(server)}?token=${server.token}`, server.origin)).toBe(101);
  });

  it('answers typed requests through the renderer transport, with the token', async () => {
    const server = await start(appInfo);
    const api = transport(server);
    await expect(api.request('app.info', {})).resolves.toEqual({ mode: 'web', version: '0.1.0', demo: true });
    expect(api.connection).toBe('open');
  });

  it('fails the transport requests when the token is wrong', async () => {
    const server = await start(appInfo);
    const api = transport(server, 'wrong');
    await expect(api.request('app.info', {})).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });
});

describe('web mode server: bad messages', () => {
  it('answers malformed JSON, a broken envelope, an unknown operation and bad params with a clear error, running nothing', async () => {
    const handler = vi.fn(async () => ({ output: 'ran' }));
    const server = await start({ ...appInfo, 'board.eval': handler });
    const { ws, next } = await rawClient(server);
    ws.send('{"id": 1, "op": ');
    expect(await next()).toMatchObject({ id: 0, ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/^malformed message/) } });
    ws.send('[1, 2]');
    expect(await next()).toMatchObject({ id: 0, ok: false, error: { code: 'INVALID_REQUEST' } });
    ws.send(JSON.stringify({ id: 'x', op: 'board.eval', params: {} }));
    expect(await next()).toMatchObject({ id: 0, error: { message: 'a request needs a positive whole number "id"' } });
    ws.send(JSON.stringify({ id: 2, op: 'board.format', params: {} }));
    expect(await next()).toEqual({ id: 2, ok: false, error: { code: 'UNKNOWN_OPERATION', message: 'unknown operation "board.format"' } });
    ws.send(JSON.stringify({ id: 3, op: 'board.eval', params: { profileId: 'demo', prefix: 'sim/#', source: 'import os' } }));
    expect(await next()).toEqual({
      id: 3,
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'board.eval: params.prefix: the board prefix "sim/#" contains a wildcard or NUL' },
    });
    ws.send(JSON.stringify({ id: 4, op: 'board.eval', params: { profileId: 'demo', prefix: 'sim/a', source: '1', shell: true } }));
    expect(await next()).toMatchObject({ id: 4, error: { code: 'INVALID_REQUEST', message: 'board.eval: params.shell: unknown field' } });
    ws.send(JSON.stringify({ id: 5, op: 'board.eval', params: { profileId: 'demo', prefix: 'sim/a', source: '1' }, extra: 1 }));
    expect(await next()).toMatchObject({ id: 5, error: { code: 'INVALID_REQUEST' } });
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await next()).toMatchObject({ id: 0, error: { code: 'INVALID_REQUEST' } });
    expect(handler).not.toHaveBeenCalled();
    ws.send(JSON.stringify({ id: 6, op: 'board.eval', params: { profileId: 'demo', prefix: 'sim/a', source: '1' } }));
    expect(await next()).toEqual({ id: 6, ok: true, result: { output: 'ran' } });
  });

  it('rejects a request whose handler never answers once its timeout passes, and stays usable', async () => {
    const server = await start({ ...appInfo, 'fleet.snapshot': () => new Promise(() => undefined) });
    const api = transport(server);
    const error = await api.request('fleet.snapshot', { profileId: 'demo' }, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsoleError);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'fleet.snapshot: no answer within 150 ms; the console may be busy or the board unreachable' });
    await expect(api.request('app.info', {})).resolves.toMatchObject({ mode: 'web' });
  });

  it('carries bytes both ways and cancels what a client left running when it goes', async () => {
    let uploaded: Uint8Array | undefined;
    let signal: AbortSignal | undefined;
    const gone = vi.fn();
    const server = await start(
      {
        'board.upload': async (p) => {
          uploaded = p.file.kind === 'bytes' ? p.file.data : undefined;
          return { transferId: 't1', total: uploaded?.length ?? 0 };
        },
        'transfer.take': async () => ({ name: 'x.bin', data: Uint8Array.of(0, 1, 254, 255), sha256: 'cd' }),
        'fleet.snapshot': (_p, ctx) => {
          signal = ctx.signal;
          return new Promise(() => undefined);
        },
      },
      { gone },
    );
    const api = transport(server);
    const target = { profileId: 'demo', prefix: 'sim/sim-01', path: '/x.bin' };
    await api.request('board.upload', { ...target, file: { kind: 'bytes', name: 'x.bin', data: Uint8Array.of(9, 8, 7) } });
    expect([...uploaded!]).toEqual([9, 8, 7]);
    const down = await api.request('transfer.take', { transferId: 't2' });
    expect([...down.data]).toEqual([0, 1, 254, 255]);
    const hanging = api.request('fleet.snapshot', { profileId: 'demo' }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(signal).toBeDefined());
    api.close();
    expect(await hanging).toMatchObject({ code: 'DISCONNECTED' });
    await vi.waitFor(() => expect(signal!.aborted).toBe(true));
    await vi.waitFor(() => expect(gone).toHaveBeenCalledWith('web-1'));
  });

  it('pushes events to connected clients, which drop the ones breaking the contract', async () => {
    let emit: ((e: EventName, d: unknown) => void) | undefined;
    const server = await start(appInfo, { feed: (l) => (emit = l) });
    const api = transport(server);
    await api.request('app.info', {});
    const seen: unknown[] = [];
    api.on('profiles.state', (d) => seen.push(d));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    emit!('profiles.state', { id: 'demo', state: 'bogus' });
    emit!('profiles.state', { id: 'demo', state: 'online' });
    await vi.waitFor(() => expect(seen).toEqual([{ id: 'demo', state: 'online' }]));
    expect(warn).toHaveBeenCalledWith('mqboard: dropped an invalid profiles.state event: state: must be one of "connecting", "online", "reconnecting", "offline", "error"');
    warn.mockRestore();
  });
});

describe('web mode server: hostile peers cannot take it down (issue 9.1, 9.2)', () => {
  it('survives upgrades without the token whose connection is reset at once, and still answers', async () => {
    const server = await start(appInfo);
    const { connect } = await import('node:net');
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const sock = connect(server.port, '127.0.0.1', () => {
          sock.write(`GET ${WS_PATH} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
          sock.resetAndDestroy();
          resolve();
        });
        sock.on('error', () => resolve());
      });
    }
    await new Promise((r) => setTimeout(r, 100));
    await expect(transport(server).request('app.info', {})).resolves.toMatchObject({ mode: 'web' });
  });

  it('closes a client that sends invalid UTF-8 or an oversized frame, and keeps serving the others', async () => {
    const server = await startWebServer({ rootDir: makeRoot(), dispatch: createDispatcher(appInfo), maxMessageBytes: 1024 });
    cleanups.push(() => server.close());
    const bystander = transport(server);
    await bystander.request('app.info', {});
    const closeCode = async (send: (ws: WebSocket) => void) => {
      const { ws } = await rawClient(server);
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      send(ws);
      return closed;
    };
    expect(await closeCode((ws) => ws.send(Buffer.from([0xc3, 0x28, 0xff]), { binary: false }))).toBe(1007);
    expect(await closeCode((ws) => ws.send('x'.repeat(4096)))).toBe(1009);
    await expect(bystander.request('app.info', {})).resolves.toMatchObject({ mode: 'web' });
  });
});
