// The one place that holds the ConsoleApi (IPC or WebSocket). Components never call it: they call
// the service functions of services/*, which run the request and put the outcome in the stores.
import { ConsoleError } from '../../src-main/common/contract.js';
import type { ConsoleApi, MqboardBridge, ParamsOf, RequestName, RequestOptions, ResultOf } from '../../src-main/common/contract.js';

let current: ConsoleApi | null = null;

export function setApi(api: ConsoleApi | null): void {
  current = api;
}

export function api(): ConsoleApi {
  if (!current) throw new ConsoleError('INTERNAL', 'the console API is not initialised');
  return current;
}

export function request<K extends RequestName>(op: K, params: ParamsOf<K>, opts?: RequestOptions): Promise<ResultOf<K>> {
  return api().request(op, params, opts);
}

const CODE_HINTS: Partial<Record<string, string>> = {
  TIMEOUT: 'Timed out',
  OFFLINE: 'Board offline',
  BROKER_DOWN: 'Broker unreachable',
  AUTH: 'Not authorised',
  TLS: 'TLS error',
  DISCONNECTED: 'No connection to the console server',
  NOT_AVAILABLE: 'Not available here',
};

/** What to show the user for a failed operation: the code's meaning, then the message. */
export function errorText(e: unknown): string {
  if (e instanceof ConsoleError || (typeof e === 'object' && e !== null && 'code' in e && 'message' in e)) {
    const { code, message } = e as { code: string; message: string };
    const hint = CODE_HINTS[code];
    return hint && !message.toLowerCase().startsWith(hint.toLowerCase()) ? `${hint}: ${message}` : message;
  }
  return e instanceof Error ? e.message : String(e);
}

export const isCancelled = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'CANCELLED';

/** The Electron preload bridge, when running in Electron. */
export function electronBridge(): MqboardBridge | undefined {
  return (globalThis as { mqboard?: MqboardBridge }).mqboard;
}
