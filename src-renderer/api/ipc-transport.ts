// ConsoleApi over Electron IPC: `window.mqboard` (the preload bridge) has one function per
// operation, each answering a Reply envelope; this turns them into typed requests with timeouts.
import { bridgeFunctionName, ConsoleError, isRequestName } from '../../src-main/common/contract.js';
import type { ConsoleApi, MqboardBridge, Reply, RequestName } from '../../src-main/common/contract.js';
import { EventHub } from './event-hub.js';
import { clientTimeoutMs, withTimeout } from './timeouts.js';

export function createIpcTransport(bridge: MqboardBridge): ConsoleApi {
  const hub = new EventHub();
  // One subscription per event name at the bridge; the hub validates and fans out.
  const bridged = new Set<string>();
  const offs: (() => void)[] = [];
  let closed = false;

  const api: ConsoleApi = {
    mode: 'electron',
    connection: 'open',
    async request(op, params, opts) {
      if (closed) throw new ConsoleError('DISCONNECTED', 'the console API was closed');
      if (!isRequestName(op)) throw new ConsoleError('UNKNOWN_OPERATION', `unknown operation ${String(op)}`);
      const fn = bridge[bridgeFunctionName(op as RequestName)] as unknown as ((p: unknown) => Promise<Reply<unknown>>) | undefined;
      if (typeof fn !== 'function') throw new ConsoleError('NOT_AVAILABLE', `${op} is not exposed by this version of the app`);
      const reply = await withTimeout(op, clientTimeoutMs(op, opts), fn(params));
      if (!reply.ok) throw new ConsoleError(reply.error.code, reply.error.message);
      return reply.result as never;
    },
    on(event, listener) {
      if (!bridged.has(event)) {
        bridged.add(event);
        offs.push(bridge.on(event, (data) => hub.emit(event, data)));
      }
      return hub.on(event, listener);
    },
    onConnection() {
      return () => undefined; // IPC cannot drop: nothing to report
    },
    close() {
      closed = true;
      for (const off of offs.splice(0)) off();
    },
  };
  return api;
}
