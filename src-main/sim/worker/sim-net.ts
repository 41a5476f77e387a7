// TCP and TLS for the virtual board. Sockets are real Node sockets opened inside the board's
// worker; Python reaches each one through a character device (/simnet/<id>), so received bytes
// are copied straight into the interpreter's heap by the FS layer (the fast path) instead of
// being converted through JsProxy (~40x slower, see the wasm facts).
// Faults (link cut, blackhole, latency) are applied here, between Python and the wire.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { wasiErrno, linuxErrno } from './errno-bridge.js';
import type { EmscriptenFS, FsStream } from './emscripten-fs.js';
import { MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, describeSocketError, describeTlsError, toPem } from './sim-net-errors.js';
import { certDateProblem } from './sim-tls-clock.js';

export const NET_DEVICE_DIR = '/simnet';
const NET_MAJOR = 64;
const CONNECT_TIMEOUT_MS = 20_000;

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

class SimSocket {
  readonly inbound: Buffer[] = [];
  eof = false;
  /** WASI errno of a failed connection, raised by the next read or write. */
  errno = 0;
  connected = false;
  connectResult: string | undefined;
  /** The Python side waits for this socket: the next change of state queues its id. */
  armed = false;
  /** The Wi-Fi link was checked when Python first asked for the connect result. */
  linkChecked = false;

  constructor(
    readonly id: number,
    readonly sock: net.Socket,
    private readonly onWake: (id: number) => void,
  ) {}

  /** Something changed (data, EOF, error, close, drain, connect): a waiting Python task looks again. */
  wake(): void {
    if (!this.armed) return;
    this.armed = false;
    this.onWake(this.id);
  }
}

/**
 * Python never awaits a JavaScript promise here: each such await leaves the callbacks it hands to
 * JavaScript on the MicroPython heap until the worker's JavaScript GC finalizes them (~100 bytes
 * per wait, in practice never freed). Instead a waiting task arms its socket and waits on an
 * asyncio Event of its own; a change of state queues the socket id (`takeReady`) and asks the
 * scheduler to run the loop (`onReady`), which sets that Event. Only numbers cross.
 */
export class SimNetwork {
  private readonly sockets = new Map<number, SimSocket>();
  private nextId = 1;
  private faults: NetFaults = { blackhole: false, latencyMs: 0 };
  private readonly ready: number[] = [];
  /** Called when a socket a Python task waits for changed: the loop should run. */
  onReady: () => void = () => {};

  /**
   * "Nothing has arrived yet", thrown by a read of an empty socket: made once. Emscripten's
   * ErrnoError is an Error, and capturing a stack trace for every wait cost more than the read.
   */
  private readonly eagain: Error;

  constructor(
    private readonly FS: EmscriptenFS,
    private readonly linkUp: () => boolean,
    /** The board's RTC clock (Unix ms): mbedTLS checks certificate dates against it. */
    private readonly boardClockMs: () => number = Date.now,
  ) {
    FS.mkdirTree(NET_DEVICE_DIR);
    this.eagain = new FS.ErrnoError(wasiErrno('EAGAIN'));
  }

  get openCount(): number {
    return this.sockets.size;
  }

  setFaults(faults: Partial<NetFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  /** The Wi-Fi link went down: every connection breaks, as lwIP aborts them. */
  linkLost(): void {
    for (const s of this.sockets.values()) this.fail(s, 'ECONNABORTED');
  }

  /** Starts a connection; Python waits for connectResult(id) and then opens /simnet/<id>. */
  open(host: string, port: number, tlsRequest: TlsRequest | undefined): number {
    const id = this.nextId++;
    let sock: net.Socket;
    if (tlsRequest) {
      const servername = tlsRequest.servername ?? host;
      sock = tls.connect({
        host, port,
        servername: net.isIP(servername) ? undefined : servername,
        ca: tlsRequest.ca ? [toPem(tlsRequest.ca)] : undefined,
        cert: tlsRequest.cert ? toPem(tlsRequest.cert) : undefined,
        key: tlsRequest.key ? toPem(tlsRequest.key, 'PRIVATE KEY') : undefined,
        // Verified in attach(): the dates against the board's clock, not the host's.
        rejectUnauthorized: false,
        checkServerIdentity: (hostname, cert) => tls.checkServerIdentity(servername || hostname, cert),
      });
    } else {
      sock = net.connect({ host, port });
    }
    // Nagle's algorithm stays on, as lwIP starts a connection; firmware turns it off with
    // setsockopt(IPPROTO_TCP, TCP_NODELAY, 1) on a plain TCP socket (see noDelay()).
    const s = new SimSocket(id, sock, (sid) => this.markReady(sid));
    this.sockets.set(id, s);
    this.registerDevice(s);
    this.attach(s, tlsRequest !== undefined, tlsRequest?.verify === true && !tlsRequest.ca, tlsRequest?.verify === true);
    return id;
  }

  private attach(s: SimSocket, isTls: boolean, verifyWithoutCa: boolean, verify: boolean): void {
    const { sock } = s;
    const timer = setTimeout(() => {
      if (s.connected) return;
      this.finishConnect(s, `${linuxErrno('ETIMEDOUT')}|ETIMEDOUT`);
      sock.destroy();
    }, CONNECT_TIMEOUT_MS);
    const onReady = () => {
      clearTimeout(timer);
      // mbedTLS with CERT_REQUIRED and no CA loaded cannot verify anything.
      if (verifyWithoutCa || (verify && this.certificateRefused(sock as tls.TLSSocket))) {
        this.finishConnect(s, `${MBEDTLS_ERR_X509_CERT_VERIFY_FAILED}|MBEDTLS_ERR_X509_CERT_VERIFY_FAILED`);
        sock.destroy();
        return;
      }
      if (this.faults.blackhole) return; // the handshake never completes; the timer fires
      s.connected = true;
      this.finishConnect(s, '');
    };
    sock.once(isTls ? 'secureConnect' : 'connect', onReady);
    sock.on('data', (chunk: Buffer) => this.deliver(s, chunk));
    sock.on('drain', () => s.wake());
    sock.on('end', () => this.later(() => ((s.eof = true), s.wake())));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!s.connected) this.finishConnect(s, isTls && !err.syscall ? describeTlsError(err) : describeSocketError(err));
      else this.fail(s, err.code === 'ECONNRESET' || err.code === 'EPIPE' ? err.code : 'ECONNABORTED');
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (!s.connected && s.connectResult === undefined) this.finishConnect(s, `${linuxErrno('ECONNRESET')}|closed`);
      s.eof = true;
      s.wake();
    });
  }

  /** OpenSSL's verdict on the chain and the host name, with the dates judged by the board's clock. */
  private certificateRefused(sock: tls.TLSSocket): boolean {
    // A chain OpenSSL refuses is refused, a date error at the host's time included: that one also
    // skipped its host name check, so the board is stricter there, never kinder.
    if (!sock.authorized) return true;
    return certDateProblem(sock, this.boardClockMs()) !== undefined;
  }

  private finishConnect(s: SimSocket, result: string): void {
    if (s.connectResult !== undefined) return;
    s.connectResult = result;
    s.wake();
  }

  private fail(s: SimSocket, code: string): void {
    if (!s.errno) s.errno = wasiErrno(code);
    s.sock.destroy();
    s.wake();
  }

  private later(fn: () => void): void {
    if (this.faults.latencyMs > 0) setTimeout(fn, this.faults.latencyMs);
    else fn();
  }

  private deliver(s: SimSocket, chunk: Buffer): void {
    if (this.faults.blackhole) return;
    this.later(() => {
      s.inbound.push(chunk);
      s.wake();
    });
  }

  /**
   * The outcome of a connection: '' once connected, 'errno|message' when it failed, null while
   * it is still being made (arm() and wait). The link is checked when Python first asks.
   */
  connectResult(id: number): string | null {
    const s = this.sockets.get(id);
    if (!s) return `${linuxErrno('EBADF')}|no such socket`;
    if (!s.linkChecked) {
      s.linkChecked = true;
      if (!this.linkUp()) {
        this.close(id);
        return `${linuxErrno('EHOSTUNREACH')}|EHOSTUNREACH`;
      }
    }
    return s.connectResult ?? null;
  }

  /** socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, on): Nagle's algorithm off (on = true) or on. */
  noDelay(id: number, on: boolean): void {
    this.sockets.get(id)?.sock.setNoDelay(on);
  }

  /** A Python task waits for this socket: its next change of state queues the id (takeReady). */
  arm(id: number): void {
    const s = this.sockets.get(id);
    if (s) s.armed = true;
    else this.markReady(id); // closed meanwhile: the waiter looks again and meets the error
  }

  /** The next socket id whose waiting task should look again, 0 when none. */
  takeReady(): number {
    return this.ready.shift() ?? 0;
  }

  private markReady(id: number): void {
    this.ready.push(id);
    this.onReady();
  }

  /** True when drain() has something to wait for or to report. */
  mustDrain(id: number): boolean {
    const s = this.sockets.get(id);
    return !s || s.sock.destroyed || s.errno !== 0 || s.sock.writableNeedDrain;
  }

  /**
   * Why drain() cannot succeed ('errno|message'), or '' when the connection is usable (then
   * mustDrain() tells whether the send buffer is still above its high-water mark).
   */
  drainError(id: number): string {
    const s = this.sockets.get(id);
    if (!s) return `${linuxErrno('EBADF')}|closed`;
    if (s.errno) return `${s.errno === wasiErrno('ECONNRESET') ? linuxErrno('ECONNRESET') : linuxErrno('ECONNABORTED')}|connection lost`;
    return s.sock.destroyed ? `${linuxErrno('ENOTCONN')}|not connected` : '';
  }

  close(id: number): void {
    const s = this.sockets.get(id);
    if (!s) return;
    this.sockets.delete(id);
    s.sock.destroy();
    s.eof = true;
    s.wake();
    try {
      this.FS.unlink(`${NET_DEVICE_DIR}/${id}`);
    } catch {
      /* already gone */
    }
  }

  closeAll(): void {
    for (const id of [...this.sockets.keys()]) this.close(id);
  }

  private registerDevice(s: SimSocket): void {
    const dev = this.FS.makedev(NET_MAJOR, s.id);
    const FS = this.FS;
    const sockets = this.sockets;
    const faults = () => this.faults;
    const later = (fn: () => void) => this.later(fn);
    const eagain = this.eagain;
    FS.registerDevice(dev, {
      read(_stream: FsStream, buffer: Int8Array, offset: number, length: number) {
        if (s.inbound.length === 0) {
          if (s.errno) throw new FS.ErrnoError(s.errno);
          if (s.eof) return 0;
          throw eagain;
        }
        const heap = new Uint8Array(buffer.buffer, buffer.byteOffset);
        let copied = 0;
        while (copied < length && s.inbound.length > 0) {
          const head = s.inbound[0]!;
          const n = Math.min(head.length, length - copied);
          heap.set(n === head.length ? head : head.subarray(0, n), offset + copied);
          copied += n;
          if (n === head.length) s.inbound.shift();
          else s.inbound[0] = head.subarray(n);
        }
        return copied;
      },
      write(_stream: FsStream, buffer: Int8Array, offset: number, length: number) {
        if (s.errno) throw new FS.ErrnoError(s.errno);
        if (!sockets.has(s.id) || s.sock.destroyed) throw new FS.ErrnoError(wasiErrno('ENOTCONN'));
        if (faults().blackhole) return length;
        const data = Buffer.from(new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length));
        later(() => s.sock.write(data));
        return length;
      },
      llseek() {
        throw new FS.ErrnoError(wasiErrno('ESPIPE'));
      },
    });
    FS.mkdev(`${NET_DEVICE_DIR}/${s.id}`, 0o666, dev);
  }
}
