// The main side of the IPC channel: a request counts only when it comes from the app's own top
// frame (not an iframe, not a page the window was somehow navigated to) with exactly (op, params);
// the dispatcher then checks the params against the contract before anything runs.
import type { Reply } from '../common/contract.js';
import type { Dispatch } from '../app/dispatcher.js';
import { isAppUrl } from './window-options.js';

/** The parts of Electron's IpcMainInvokeEvent that are checked. */
export interface InvokeEventLike {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export function isTrustedSender(event: InvokeEventLike): boolean {
  const frame = event.senderFrame;
  // A frame that navigated or was destroyed meanwhile comes through as null.
  return frame !== null && frame.parent === null && isAppUrl(frame.url);
}

export const clientIdOf = (event: InvokeEventLike): string => `window-${event.sender.id}`;

/** The listener for `ipcMain.handle(IPC_CHANNELS.request, ...)`. */
export function createIpcRequestListener(dispatch: Dispatch, log: (msg: string) => void = console.warn) {
  return async (event: InvokeEventLike, ...args: unknown[]): Promise<Reply<unknown>> => {
    if (!isTrustedSender(event)) {
      log(`mqboard: refused an IPC request from ${event.senderFrame?.url.slice(0, 200) ?? 'a destroyed frame'}`);
      return { ok: false, error: { code: 'INVALID_REQUEST', message: 'request refused: it did not come from the console window' } };
    }
    if (args.length !== 2) {
      return { ok: false, error: { code: 'INVALID_REQUEST', message: `a request is (operation, params); got ${args.length} arguments` } };
    }
    return dispatch(args[0], args[1], { clientId: clientIdOf(event) });
  };
}
