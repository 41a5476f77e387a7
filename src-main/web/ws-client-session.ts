// One browser connection of the web mode: each text message is one request, checked (JSON,
// envelope, then the contract's schema in the dispatcher) before anything runs; replies carry the
// request's id; events are pushed as they come. Closing the socket cancels what is still running.
import type { WebSocket } from 'ws';
import type { ConsoleErrorCode, EventName, WsMessage } from '../common/contract.js';
import { decodeWire, encodeWire } from '../common/wire-codec.js';
import type { Dispatch } from '../app/dispatcher.js';

export interface ClientSessionOptions {
  clientId: string;
  dispatch: Dispatch;
  /** Requests one client may have running at once. */
  maxInFlight: number;
  /** Events are dropped for a client that does not read (its send buffer is above this). */
  maxBufferedBytes: number;
}

const OPEN = 1;
/** The id of an answer to a message whose own id could not be read. */
export const NO_REQUEST_ID = 0;

export class WsClientSession {
  private readonly aborter = new AbortController();
  private inFlight = 0;
  private droppingEvents = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly opts: ClientSessionOptions,
  ) {
    ws.on('message', (data, isBinary) => void this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.aborter.abort());
    // A bad frame (invalid UTF-8, over maxPayload, a protocol error): `ws` closes this connection
    // with the right close code and reports it here; unheard, it would end the process (issue 9.2).
    ws.on('error', () => ws.terminate());
  }

  get closed(): AbortSignal {
    return this.aborter.signal;
  }

  pushEvent(event: EventName, data: unknown): void {
    if (this.ws.readyState !== OPEN) return;
    if (this.ws.bufferedAmount > this.opts.maxBufferedBytes) {
      if (!this.droppingEvents) console.warn(`mqboard web: client ${this.opts.clientId} does not keep up; dropping events`);
      this.droppingEvents = true;
      return;
    }
    this.droppingEvents = false;
    this.send({ event, data });
  }

  private send(msg: WsMessage): void {
    if (this.ws.readyState === OPEN) this.ws.send(encodeWire(msg));
  }

  private refuse(id: number, code: ConsoleErrorCode, message: string): void {
    this.send({ id, ok: false, error: { code, message } });
  }

  private async onMessage(data: Buffer, isBinary: boolean): Promise<void> {
    if (isBinary) return this.refuse(NO_REQUEST_ID, 'INVALID_REQUEST', 'binary messages are not accepted: send JSON text');
    let msg: unknown;
    try {
      msg = decodeWire(data.toString('utf8'));
    } catch (err) {
      return this.refuse(NO_REQUEST_ID, 'INVALID_REQUEST', `malformed message: ${(err as Error).message}`);
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return this.refuse(NO_REQUEST_ID, 'INVALID_REQUEST', 'a request is a JSON object {id, op, params}');
    }
    const { id, op, params, ...extra } = msg as Record<string, unknown>;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
      return this.refuse(NO_REQUEST_ID, 'INVALID_REQUEST', 'a request needs a positive whole number "id"');
    }
    const unknownKeys = Object.keys(extra);
    if (unknownKeys.length > 0) return this.refuse(id, 'INVALID_REQUEST', `unknown field "${unknownKeys[0]!.slice(0, 40)}" in the request`);
    if (this.inFlight >= this.opts.maxInFlight) {
      return this.refuse(id, 'INVALID_REQUEST', `too many requests at once (at most ${this.opts.maxInFlight}); wait for some answers`);
    }
    this.inFlight++;
    try {
      const reply = await this.opts.dispatch(op, params, { clientId: this.opts.clientId, signal: this.aborter.signal });
      this.send({ id, ...reply });
    } finally {
      this.inFlight--;
    }
  }
}
