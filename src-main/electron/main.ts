// Electron main process: the thin bootstrap that wires Electron to the pure, tested modules
// (window options, guards, IPC guard, app protocol, the ConsoleService). `npm start` runs it.
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, session } from 'electron';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_CHANNELS } from '../common/contract.js';
import type { EventName } from '../common/contract.js';
import { createDispatcher } from '../app/dispatcher.js';
import { startConsole } from '../app/start-console.js';
import type { RunningConsole } from '../app/start-console.js';
import { createAppProtocolHandler } from './app-protocol.js';
import { installContentsGuards, installSessionGuards } from './guards.js';
import type { GuardedContents, GuardedSession } from './guards.js';
import { clientIdOf, createIpcRequestListener, isTrustedSender } from './ipc-guard.js';
import { safeStorageCodec } from './secret-codec.js';
import { APP_SCHEME, APP_URL, mainWindowOptions } from './window-options.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/electron
const rendererDir = path.join(here, '..', 'renderer');
const preloadFile = path.join(here, 'preload.cjs');

// Must happen before `ready`: a standard, secure scheme gets a real origin for CSP 'self'.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();

let running: RunningConsole | undefined;
const windows = new Map<string, BrowserWindow>();

function createWindow(): void {
  const win = new BrowserWindow(mainWindowOptions(preloadFile));
  const clientId = clientIdOf({ sender: win.webContents, senderFrame: null });
  windows.set(clientId, win);
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    windows.delete(clientId);
    running?.service.clientGone(clientId);
  });
  void win.loadURL(APP_URL);
}

function broadcast(event: EventName, data: unknown): void {
  for (const win of windows.values()) {
    if (!win.isDestroyed()) win.webContents.send(IPC_CHANNELS.event, event, data);
  }
}

async function start(): Promise<void> {
  installSessionGuards(session.defaultSession as unknown as GuardedSession);
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
  const secrets = safeStorageCodec(safeStorage);
  running = await startConsole({
    mode: 'electron',
    version: app.getVersion(),
    // MQBOARD_DATA_DIR: the same folder the CLI uses (core/data-dir.ts), e.g. for rollouts.
    dataDir: process.env.MQBOARD_DATA_DIR ? path.resolve(process.env.MQBOARD_DATA_DIR) : app.getPath('userData'),
    ...(secrets && { secrets }),
    openFileDialog: async (clientId, opts) => {
      const win = windows.get(clientId);
      const options: Electron.OpenDialogOptions = {
        properties: ['openFile'],
        ...(opts.title && { title: opts.title }),
        ...(opts.extensions?.length && { filters: [{ name: 'Files', extensions: opts.extensions }] }),
      };
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });
  const service = running.service;
  const dispatch = createDispatcher(service.handlers, { onInternalError: (op, err) => console.error(`mqboard: ${op} failed:`, err) });
  ipcMain.handle(IPC_CHANNELS.request, createIpcRequestListener(dispatch));
  ipcMain.on(IPC_CHANNELS.grantPath, (event, file: unknown) => {
    if (isTrustedSender(event) && typeof file === 'string' && file.length <= 4_096) service.grantPath(file);
  });
  service.subscribe(broadcast);
  createWindow();
}

app.on('web-contents-created', (_event, contents) => installContentsGuards(contents as unknown as GuardedContents));

if (!app.requestSingleInstanceLock()) {
  app.quit(); // one console per user: a second one would start a second demo broker
} else {
  app.on('second-instance', () => {
    const win = windows.values().next().value;
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.whenReady().then(start).catch((err: Error) => {
    dialog.showErrorBox('MQBoard Console could not start', err.message);
    app.exit(1);
  });
  app.on('activate', () => {
    if (running && windows.size === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed || !running) return;
    // Stop the boards and the demo broker cleanly before the process goes.
    event.preventDefault();
    closed = true;
    void running.close().finally(() => app.quit());
  });
}
