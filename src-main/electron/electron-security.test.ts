// The Electron shell's security settings, with fakes (no Electron binary here): window options,
// navigation and window.open refused, permissions refused, IPC from anywhere but the app's top
// frame refused, schema-breaking IPC refused, and the preload exposing only named functions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS, REQUEST_NAMES } from '../common/contract.js';
import type { Reply } from '../common/contract.js';
import { createDispatcher } from '../app/dispatcher.js';
import { createIpcTransport } from '../../src-renderer/api/ipc-transport.js';
import { createAppProtocolHandler } from './app-protocol.js';
import { installContentsGuards, installSessionGuards } from './guards.js';
import type { GuardedContents, GuardedSession } from './guards.js';
import { createIpcRequestListener } from './ipc-guard.js';
import type { InvokeEventLike } from './ipc-guard.js';
import { buildBridge } from './preload-bridge.js';
import { APP_URL, isAppUrl, mainWindowOptions } from './window-options.js';

const params = { profileId: 'demo', prefix: 'sim/sim-01', source: '1' };
const appFrame = (url = APP_URL): InvokeEventLike => ({ sender: { id: 7 }, senderFrame: { url, parent: null } });

describe('main window', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, no webview, web security on', () => {
    const prefs = mainWindowOptions('/app/preload.cjs').webPreferences!;
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
  });

  it('recognises only its own app URL', () => {
    expect(isAppUrl('mqboard://app/index.html')).toBe(true);
    for (const url of ['file:///app/index.html', 'https://app/index.html', 'mqboard://evil/index.html', 'mqboard://user:pw@app/', 'not a url', undefined]) {
      expect(isAppUrl(url), String(url)).toBe(false);
    }
  });
});

describe('navigation, windows and permissions', () => {
  function fakeContents() {
    const handlers = new Map<string, (e: { preventDefault(): void }, url: string) => void>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
    const contents: GuardedContents = {
      on: (event: string, listener: (e: { preventDefault(): void }, url: string) => void) => handlers.set(event, listener),
      setWindowOpenHandler: (h) => (openHandler = h),
    } as GuardedContents;
    installContentsGuards(contents, () => undefined);
    const fire = (event: string, url = 'https://evil.example/') => {
      const e = { preventDefault: vi.fn() };
      handlers.get(event)!(e, url);
      return e.preventDefault.mock.calls.length > 0;
    };
    return { fire, open: (url: string) => openHandler!({ url }) };
  }

  it('refuses every navigation, redirect and webview', () => {
    const c = fakeContents();
    expect(c.fire('will-navigate')).toBe(true);
    expect(c.fire('will-navigate', 'mqboard://app/other.html')).toBe(true);
    expect(c.fire('will-redirect')).toBe(true);
    expect(c.fire('will-attach-webview')).toBe(true);
  });

  it('denies window.open', () => {
    expect(fakeContents().open('https://example.com/')).toEqual({ action: 'deny' });
  });

  it('denies permission requests and checks, and sets the CSP on responses', () => {
    let request: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined;
    let check: ((wc: unknown, permission: string) => boolean) | undefined;
    let device: ((d: unknown) => boolean) | undefined;
    let headers: ((d: { responseHeaders?: Record<string, string[] | string> }, cb: (r: { responseHeaders: Record<string, string[] | string> }) => void) => void) | undefined;
    const session: GuardedSession = {
      setPermissionRequestHandler: (h) => (request = h),
      setPermissionCheckHandler: (h) => (check = h),
      setDevicePermissionHandler: (h) => (device = h),
      webRequest: { onHeadersReceived: (l) => (headers = l) },
    };
    installSessionGuards(session);
    for (const permission of ['media', 'notifications', 'geolocation', 'openExternal', 'serial', 'clipboard-read']) {
      const cb = vi.fn();
      request!({}, permission, cb);
      expect(cb).toHaveBeenCalledWith(false);
      expect(check!({}, permission)).toBe(false);
    }
    expect(device!({})).toBe(false);
    let out: Record<string, string[] | string> = {};
    headers!({ responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } }, (r) => (out = r.responseHeaders));
    expect(out['content-security-policy']).toBeUndefined();
    expect(String(out['Content-Security-Policy'])).toMatch(/^default-src 'self'; script-src 'self';/);
    expect(String(out['Content-Security-Policy'])).not.toContain('unsafe-eval');
    expect(out['X-Other']).toEqual(['1']);
  });
});

describe('IPC', () => {
  const handler = vi.fn(async (p: { source: string }) => ({ output: `ran ${p.source}` }));
  const listener = createIpcRequestListener(createDispatcher({ 'board.eval': handler }), () => undefined);

  it('answers a valid request from the app frame', async () => {
    expect(await listener(appFrame(), 'board.eval', params)).toEqual({ ok: true, result: { output: 'ran 1' } });
  });

  it('refuses requests from a foreign page, a sub-frame or a destroyed frame, running nothing', async () => {
    handler.mockClear();
    const refused = { ok: false, error: { code: 'INVALID_REQUEST', message: 'request refused: it did not come from the console window' } };
    expect(await listener(appFrame('https://evil.example/'), 'board.eval', params)).toEqual(refused);
    expect(await listener(appFrame('file:///tmp/x.html'), 'board.eval', params)).toEqual(refused);
    expect(await listener({ sender: { id: 7 }, senderFrame: { url: APP_URL, parent: {} } }, 'board.eval', params)).toEqual(refused);
    expect(await listener({ sender: { id: 7 }, senderFrame: null }, 'board.eval', params)).toEqual(refused);
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses schema-breaking requests and extra arguments, running nothing', async () => {
    handler.mockClear();
    expect(await listener(appFrame(), 'board.eval', { ...params, source: { code: 1 } })).toEqual({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: 'board.eval: params.source: expected a string, got an object' },
    });
    expect(await listener(appFrame(), 'board.eval', params, 'extra')).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await listener(appFrame(), 'shell.exec', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_OPERATION' } });
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('preload bridge', () => {
  const granted: string[] = [];
  function wire(invoke: (op: string, params: unknown) => Promise<Reply<unknown>>) {
    let emit: ((event: string, data: unknown) => void) | undefined;
    const bridge = buildBridge({ invoke, onEvent: (l) => (emit = l), getPathForFile: () => '/home/u/fw.bin', grantPath: (p) => granted.push(p) });
    return { bridge, emit: (e: string, d: unknown) => emit!(e, d) };
  }

  it('exposes one named function per operation, plus on and getPathForFile, nothing else', () => {
    const { bridge } = wire(async () => ({ ok: true, result: {} }));
    expect(Object.keys(bridge).length).toBe(REQUEST_NAMES.length + 2);
    expect(typeof bridge.boardEval).toBe('function');
    expect(typeof bridge.otaStart).toBe('function');
    expect(bridge.getPathForFile({})).toBe('/home/u/fw.bin');
    expect(granted).toEqual(['/home/u/fw.bin']);
    expect(IPC_CHANNELS.request).toBe('mqboard:request');
  });

  it('carries requests end to end: renderer transport → preload → IPC guard → handler', async () => {
    const listener = createIpcRequestListener(createDispatcher({ 'board.eval': async (p) => ({ output: `ran ${p.source}` }) }));
    const { bridge } = wire((op, p) => listener(appFrame(), op, p));
    const api = createIpcTransport(bridge);
    await expect(api.request('board.eval', params)).resolves.toEqual({ output: 'ran 1' });
    await expect(api.request('board.eval', { ...params, prefix: '' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'board.eval: params.prefix: must not be empty' });
  });

  it('rejects an IPC request that main never answers once its timeout passes', async () => {
    const { bridge } = wire(() => new Promise(() => undefined));
    const api = createIpcTransport(bridge);
    await expect(api.request('fleet.snapshot', { profileId: 'demo' }, { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: 'fleet.snapshot: no answer within 100 ms; the console may be busy or the board unreachable',
    });
  });

  it('delivers only known, valid events to the page', () => {
    const { bridge, emit } = wire(async () => ({ ok: true, result: {} }));
    const api = createIpcTransport(bridge);
    const seen: unknown[] = [];
    api.on('tty.output', (d) => seen.push(d));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    emit('tty.output', { sessionId: 's1', kind: 'out', text: 'hi' });
    emit('tty.output', { sessionId: 's1', kind: 'out' });
    emit('something.else', {});
    warn.mockRestore();
    expect(seen).toEqual([{ sessionId: 's1', kind: 'out', text: 'hi' }]);
    expect(() => bridge.on('nope' as never, () => undefined)).toThrow(TypeError);
  });
});

describe('app protocol', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-proto-'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const serve = createAppProtocolHandler(root);

  it('serves the renderer with the CSP, and nothing outside it', async () => {
    const ok = await serve({ url: 'mqboard://app/index.html', method: 'GET' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await ok.text()).toBe('<!doctype html>');
    expect((await serve({ url: 'mqboard://app/../../etc/passwd', method: 'GET' })).status).toBe(404);
    expect((await serve({ url: 'mqboard://app/%2e%2e/%2e%2e/etc/passwd', method: 'GET' })).status).toBe(404);
    expect((await serve({ url: 'mqboard://other/index.html', method: 'GET' })).status).toBe(404);
    expect((await serve({ url: 'mqboard://app/index.html', method: 'POST' })).status).toBe(405);
  });
});
