// Electron preload (sandboxed, bundled to CommonJS): exposes the console API to the page as
// `window.mqboard`, one function per operation. The page never sees ipcRenderer or the IPC event.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { IPC_CHANNELS } from '../common/contract.js';
import type { Reply } from '../common/contract.js';
import { buildBridge } from './preload-bridge.js';

contextBridge.exposeInMainWorld(
  'mqboard',
  buildBridge({
    invoke: (op, params) => ipcRenderer.invoke(IPC_CHANNELS.request, op, params) as Promise<Reply<unknown>>,
    onEvent: (listener) => {
      ipcRenderer.on(IPC_CHANNELS.event, (_event, name: string, data: unknown) => listener(name, data));
    },
    // File is a DOM type; the page hands one from a drop or <input type=file>.
    getPathForFile: (file) => webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]),
    grantPath: (path) => ipcRenderer.send(IPC_CHANNELS.grantPath, path),
  }),
);
