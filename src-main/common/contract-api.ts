// How the contract travels: the reply envelope, the errors the UI sees, the `ConsoleApi` the
// renderer codes against (one interface, two transports), and the names of the functions the
// Electron preload exposes (one per operation). Pure TypeScript.
import type { ErrorCode } from './errors.js';
import type { EventName, EventOf, ParamsOf, RequestName, ResultOf } from './contract.js';

/** Engine errors, plus the ones of the boundary itself. */
export type ConsoleErrorCode =
  | ErrorCode
  | 'INVALID_REQUEST' // the message broke the schema: nothing was executed
  | 'UNKNOWN_OPERATION' // no such operation in the contract
  | 'NOT_AVAILABLE' // exists, but not in this mode (e.g. the native dialog in the web mode)
  | 'DISCONNECTED' // the web mode's connection to the server is gone
  | 'INTERNAL'; // a bug: the message says what happened

export interface WireError {
  code: ConsoleErrorCode;
  message: string;
}

/** What every request answers, over IPC and WebSocket alike (errors keep their code this way). */
export type Reply<T> = { ok: true; result: T } | { ok: false; error: WireError };

export class ConsoleError extends Error {
  override name = 'ConsoleError';
  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  /** Overrides the operation's default timeout (contract `timeoutMs`). */
  timeoutMs?: number;
}

/**
 * The one API the UI uses, whatever carries it. Requests reject with a ConsoleError (code +
 * a message fit for the user), also when the answer does not come within the timeout.
 */
export interface ConsoleApi {
  readonly mode: 'electron' | 'web';
  request<K extends RequestName>(op: K, params: ParamsOf<K>, opts?: RequestOptions): Promise<ResultOf<K>>;
  /** Subscribes to an event; returns the unsubscribe function. Invalid events are dropped. */
  on<E extends EventName>(event: E, listener: (data: EventOf<E>) => void): () => void;
  /** Connection state of the transport (IPC is always 'open'). */
  readonly connection: 'connecting' | 'open' | 'closed';
  onConnection(listener: (state: 'connecting' | 'open' | 'closed') => void): () => void;
  close(): void;
}

// ---- Electron preload bridge ---------------------------------------------------------------

type CamelOp<K extends string> = K extends `${infer A}.${infer B}` ? `${A}${Capitalize<B>}` : K;

/** 'board.readText' → 'boardReadText': the name of the preload function for an operation. */
export function bridgeFunctionName<K extends RequestName>(op: K): CamelOp<K> {
  const dot = op.indexOf('.');
  return (op.slice(0, dot) + op.charAt(dot + 1).toUpperCase() + op.slice(dot + 2)) as CamelOp<K>;
}

export type BridgeFunctions = {
  [K in RequestName as CamelOp<K>]: (params: ParamsOf<K>) => Promise<Reply<ResultOf<K>>>;
};

/** `window.mqboard`, exposed by the preload through contextBridge. */
export type MqboardBridge = BridgeFunctions & {
  /** Subscribes to a main-process event; returns the unsubscribe function. */
  on(event: EventName, listener: (data: unknown) => void): () => void;
  /** The local path of a dropped File (Electron's webUtils.getPathForFile); '' when it has none. */
  getPathForFile(file: object): string;
};

/**
 * The IPC channels the preload and main agree on. `grantPath`: the preload tells main which local
 * path the user dropped, so that main accepts that path (and only such paths) in a FileRef.
 */
export const IPC_CHANNELS = { request: 'mqboard:request', event: 'mqboard:event', grantPath: 'mqboard:grant-path' } as const;

// ---- WebSocket messages (web mode) --------------------------------------------------------

/** Client → server. `id` is the client's, echoed in the reply. */
export interface WsRequest {
  id: number;
  op: string;
  params: unknown;
}
/** Server → client: a reply, or an event. */
export type WsMessage = ({ id: number } & Reply<unknown>) | { event: string; data: unknown };

/** The web mode's WebSocket path; the token travels in the `token` query parameter. */
export const WS_PATH = '/api/ws';
