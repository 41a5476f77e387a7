// What the renderer may not do: navigate away, open windows, attach webviews, or get any web
// permission (camera, notifications, USB, ...). The console needs none of them; a compromised or
// confused page must not either. Pure: works on structural types so tests pass fakes.
import { contentSecurityPolicy } from '../app/csp.js';
import { SECURITY_HEADERS } from '../app/csp.js';

interface PreventableEvent {
  preventDefault(): void;
}

export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface GuardedSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void;
  webRequest: {
    onHeadersReceived(
      listener: (details: { responseHeaders?: Record<string, string[] | string> }, callback: (response: { responseHeaders: Record<string, string[] | string> }) => void) => void,
    ): void;
  };
}

export function installContentsGuards(contents: GuardedContents, log: (msg: string) => void = console.warn): void {
  // The app is a single page: any navigation (a link, a dropped URL, a script) is refused.
  const refuse = (what: string) => (event: PreventableEvent, url: string) => {
    event.preventDefault();
    log(`mqboard: refused ${what} to ${url.slice(0, 200)}`);
  };
  contents.on('will-navigate', refuse('navigation'));
  contents.on('will-redirect', refuse('redirect'));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log(`mqboard: refused to open a window for ${url.slice(0, 200)}`);
    return { action: 'deny' };
  });
}

export function installSessionGuards(session: GuardedSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // Every response the renderer loads carries the CSP, whichever way it was served.
  const csp = contentSecurityPolicy();
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === 'content-security-policy') delete headers[key];
    }
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp], ...toHeaderLists(SECURITY_HEADERS) } });
  });
}

const toHeaderLists = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, [v]]));
