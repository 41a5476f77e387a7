// A virtual board's TCP/IP stack: real Node `net`/`tls` sockets on the host thread, reached by the
// worker's socket devices over a MessagePort (net-protocol.ts explains why they live here).
// Faults (blackhole, latency) are applied here, between the board and the wire.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { MessagePort } from 'node:worker_threads';
import { receiveMessageOnPort } from 'node:worker_threads';
import type { NetFaults, NetToWorker, TlsRequest, WorkerToNet } from './net-protocol.js';
import { RX_WINDOW } from './net-protocol.js';
import { linuxErrno } from './worker/errno-bridge.js';
import { MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, describeSocketError, describeTlsError, toPem } from './net-errors.js';
import { certDateProblem } from './tls-clock.js';

const CONNECT_TIMEOUT_MS = 20_000;
/** A closed interpreter's connections get this long to send what it wrote. */
const CLOSE_LINGER_MS = 2_000;

interface HostSocket {
  sock: net.Socket;
  connected: boolean;
  /** Received and passed on, not yet read by the worker. */
  unread: number;
  paused: boolean;
}

export class HostNetwork {
  private readonly sockets = new Map<number, HostSocket>();
  private faults: NetFaults = { blackhole: false, latencyMs: 0 };
  private closed = false;

  constructor(
    private readonly port: MessagePort,
    /** The board's RTC clock (Unix ms): mbedTLS checks certificate dates against it. */
    private readonly boardClockMs: () => number,
  ) {
    port.on('message', (msg: WorkerToNet) => this.onMessage(msg));
  }

  setFaults(faults: Partial<NetFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  /**
   * The interpreter is gone (reset, deep sleep, power off): its connections go with it. What it
   * wrote before it stopped is still queued on the port (the worker's exit can overtake it) and
   * goes out first, as lwIP sends what the firmware wrote before esp_deep_sleep_start(): an MQTT
   * DISCONNECT written just before a sleep must reach the broker, or its will fires.
   */
  close(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.onMessage(m.message as WorkerToNet);
    this.closed = true;
    for (const s of this.sockets.values()) {
      s.sock.end();
      setTimeout(() => s.sock.destroy(), CLOSE_LINGER_MS).unref();
    }
    this.sockets.clear();
    this.port.close();
  }

  private post(msg: NetToWorker, transfer?: ArrayBuffer[]): void {
    if (!this.closed) this.port.postMessage(msg, transfer);
  }

  private later(fn: () => void): void {
    if (this.faults.latencyMs > 0) setTimeout(fn, this.faults.latencyMs);
    else fn();
  }

  private onMessage(msg: WorkerToNet): void {
    const s = this.sockets.get(msg.id);
    switch (msg.op) {
      case 'open':
        this.open(msg.id, msg.host, msg.port, msg.tls);
        break;
      case 'write':
        if (!s || this.faults.blackhole) this.post({ op: 'written', id: msg.id, bytes: msg.data.length });
        else {
          const { data } = msg;
          this.later(() => s.sock.writableEnded || s.sock.write(data, () => this.post({ op: 'written', id: msg.id, bytes: data.length })));
        }
        break;
      case 'consumed':
        if (!s) break;
        s.unread -= msg.bytes;
        if (s.paused && s.unread <= RX_WINDOW / 2) {
          s.paused = false;
          s.sock.resume();
        }
        break;
      case 'nodelay':
        s?.sock.setNoDelay(msg.on);
        break;
      case 'close':
        this.sockets.delete(msg.id);
        s?.sock.destroy();
        break;
    }
  }

  private open(id: number, host: string, port: number, req: TlsRequest | undefined): void {
    let sock: net.Socket;
    if (req) {
      const servername = req.servername ?? host;
      sock = tls.connect({
        host, port,
        servername: net.isIP(servername) ? undefined : servername,
        ca: req.ca ? [toPem(req.ca)] : undefined,
        cert: req.cert ? toPem(req.cert) : undefined,
        key: req.key ? toPem(req.key, 'PRIVATE KEY') : undefined,
        // Verified in onReady(): the dates against the board's clock, not the host's.
        rejectUnauthorized: false,
        checkServerIdentity: (hostname, cert) => tls.checkServerIdentity(servername || hostname, cert),
      });
    } else {
      sock = net.connect({ host, port });
    }
    // Nagle's algorithm stays on, as lwIP starts a connection; firmware turns it off with
    // setsockopt(IPPROTO_TCP, TCP_NODELAY, 1) on a plain TCP socket (the `nodelay` message).
    const s: HostSocket = { sock, connected: false, unread: 0, paused: false };
    this.sockets.set(id, s);
    let result: string | undefined;
    const finish = (r: string) => {
      if (result !== undefined) return;
      result = r;
      this.post({ op: 'connect', id, result: r });
    };
    const timer = setTimeout(() => {
      if (s.connected) return;
      finish(`${linuxErrno('ETIMEDOUT')}|ETIMEDOUT`);
      sock.destroy();
    }, CONNECT_TIMEOUT_MS);
    // mbedTLS with CERT_REQUIRED and no CA loaded cannot verify anything.
    const verifyWithoutCa = req?.verify === true && !req.ca;
    sock.once(req ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      if (verifyWithoutCa || (req?.verify && this.certificateRefused(sock as tls.TLSSocket))) {
        finish(`${MBEDTLS_ERR_X509_CERT_VERIFY_FAILED}|MBEDTLS_ERR_X509_CERT_VERIFY_FAILED`);
        sock.destroy();
        return;
      }
      if (this.faults.blackhole) return; // the handshake never completes; the timer fires
      s.connected = true;
      finish('');
    });
    sock.on('data', (chunk: Buffer) => this.deliver(id, s, chunk));
    sock.on('end', () => this.later(() => this.post({ op: 'end', id })));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!s.connected) finish(req && !err.syscall ? describeTlsError(err) : describeSocketError(err));
      else this.post({ op: 'error', id, code: err.code === 'ECONNRESET' || err.code === 'EPIPE' ? err.code : 'ECONNABORTED' });
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (!s.connected) finish(`${linuxErrno('ECONNRESET')}|closed`);
      this.sockets.delete(id);
      // After the data still on its way: with latency, an early EOF would cut it off.
      this.later(() => this.post({ op: 'closed', id }));
    });
  }

  /** OpenSSL's verdict on the chain and the host name, with the dates judged by the board's clock. */
  private certificateRefused(sock: tls.TLSSocket): boolean {
    // A chain OpenSSL refuses is refused, a date error at the host's time included: that one also
    // skipped its host name check, so the board is stricter there, never kinder.
    if (!sock.authorized) return true;
    return certDateProblem(sock, this.boardClockMs()) !== undefined;
  }

  private deliver(id: number, s: HostSocket, chunk: Buffer): void {
    if (this.faults.blackhole) return;
    s.unread += chunk.length;
    if (s.unread > RX_WINDOW && !s.paused) {
      s.paused = true;
      s.sock.pause();
    }
    // A copy of its own: a received Buffer may be a view of a larger pooled one.
    const data = new Uint8Array(chunk);
    this.later(() => this.post({ op: 'data', id, data }, [data.buffer]));
  }
}
