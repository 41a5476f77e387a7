// The messages between a board's TCP/IP stack on the host thread (host-net.ts) and the socket
// devices the interpreter reads in the worker (worker/sim-net.ts), over a MessageChannel of their
// own. The stack lives on the host thread as lwIP runs in a task of its own on an ESP32: bytes keep
// arriving while Python code is busy, and code that polls the socket then (the REPL's Ctrl-C
// check, from a timer) finds them: the worker pulls them with receiveMessageOnPort().

export interface TlsRequest {
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
}

export interface NetFaults {
  blackhole: boolean;
  latencyMs: number;
}

/**
 * Bytes the host receives for a socket beyond what the worker has read, before it stops reading
 * the connection (the TCP receive window then closes, as on a board that stops reading).
 */
export const RX_WINDOW = 64 * 1024;
/** The worker reports what it read in steps of this much (or when it has read everything). */
export const RX_ACK_STEP = 8 * 1024;
/**
 * lwIP's send buffer per TCP socket: CONFIG_LWIP_TCP_SND_BUF_DEFAULT, 5744 bytes (4 * MSS 1436) in
 * ESP-IDF, not changed by MicroPython's sdkconfig. A non-blocking write takes what fits and
 * raises EAGAIN when nothing does; asyncio's Stream keeps the rest in its out_buf.
 */
export const TCP_SND_BUF = 5744;

export type WorkerToNet =
  | { op: 'open'; id: number; host: string; port: number; tls?: TlsRequest }
  | { op: 'write'; id: number; data: Uint8Array }
  /** Read by the worker: the host may receive this much more. */
  | { op: 'consumed'; id: number; bytes: number }
  | { op: 'nodelay'; id: number; on: boolean }
  | { op: 'close'; id: number };

export type NetToWorker =
  /** '' once connected, 'errno|message' when the connection failed. */
  | { op: 'connect'; id: number; result: string }
  | { op: 'data'; id: number; data: Uint8Array }
  | { op: 'end'; id: number }
  /** The connection broke after it was made: a Node error code (ECONNRESET, EPIPE, ECONNABORTED). */
  | { op: 'error'; id: number; code: string }
  | { op: 'closed'; id: number }
  /** This many written bytes were handed to the operating system. */
  | { op: 'written'; id: number; bytes: number };
