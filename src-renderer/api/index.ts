// The renderer's entry to the console API: Electron's preload bridge when it is there, else the
// web mode's WebSocket with the token from the page URL (`http://127.0.0.1:<port>/#token=...`).
import { WS_PATH } from '../../src-main/common/contract.js';
import type { ConsoleApi, MqboardBridge } from '../../src-main/common/contract.js';
import { createIpcTransport } from './ipc-transport.js';
import { createWebSocketTransport } from './ws-transport.js';

export { createIpcTransport } from './ipc-transport.js';
export { createWebSocketTransport } from './ws-transport.js';
export type { WebSocketLike, WebSocketTransportOptions } from './ws-transport.js';
export type { ConsoleApi } from '../../src-main/common/contract.js';

interface PageLocation {
  protocol: string;
  host: string;
  hash: string;
  pathname: string;
  search: string;
}

interface PageHistory {
  replaceState(data: unknown, unused: string, url: string): void;
}

interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const TOKEN_KEY = 'mqboard.token';

/** The token in the page's fragment (never sent to the server with page requests). */
export function tokenFromHash(hash: string): string | undefined {
  const m = /(?:^#|&)token=([^&]+)/.exec(hash);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/**
 * Takes the token out of the address bar (so it is not in the history, a bookmark or a shared
 * screen) and keeps it for this tab only, so a reload still works; the token is the only
 * credential of web mode.
 */
export function takeToken(location: PageLocation, history?: PageHistory, store?: TokenStore): string | undefined {
  const token = tokenFromHash(location.hash);
  if (token === undefined) return store?.getItem(TOKEN_KEY) ?? undefined;
  try {
    store?.setItem(TOKEN_KEY, token);
  } catch {
    // Storage refused (private mode, quota): the token then lives in memory only.
  }
  const rest = location.hash.replace(/^#/, '').split('&').filter((p) => !p.startsWith('token=')).join('&');
  history?.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  return token;
}

export function webSocketUrl(location: PageLocation): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${WS_PATH}`;
}

/** Picks the transport for where the page runs. Throws when the web page lacks its token. */
export function createConsoleApi(): ConsoleApi {
  const g = globalThis as unknown as { mqboard?: MqboardBridge; location: PageLocation; history?: PageHistory; sessionStorage?: TokenStore };
  if (g.mqboard) return createIpcTransport(g.mqboard);
  const token = takeToken(g.location, g.history, g.sessionStorage);
  if (!token) throw new Error('this page needs its access token: open the URL that `npm run web` printed (it ends with #token=...)');
  return createWebSocketTransport(webSocketUrl(g.location), token);
}
