// The main window's settings and the app's own origin. Pure (electron types only), so the
// security-relevant choices are asserted by unit tests without an Electron binary.
import type { BrowserWindowConstructorOptions } from 'electron';

/** The renderer is served from this privileged scheme, not file://, so that 'self' in the CSP
 * means exactly the app's files and the IPC sender check has one precise origin to compare. */
export const APP_SCHEME = 'mqboard';
export const APP_HOST = 'app';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 500,
    title: 'MQBoard Console',
    show: false, // shown on ready-to-show: no white flash
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      // The renderer is a web page with no Node: it reaches main only through the preload's
      // named functions, which main validates.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      enableBlinkFeatures: '',
      navigateOnDragDrop: false, // a dropped file goes to the UI's drop zone, never replaces the app
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/** Whether a URL is one of the app's own pages (scheme and host compared exactly). */
export function isAppUrl(url: string | undefined): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  // Custom schemes have an opaque origin in WHATWG URL: compare the parts instead.
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}
