// TCP and TLS for the virtual board. Sockets are real Node sockets opened inside the board's
// worker; Python reaches each one through a character device (/simnet/<id>), so received bytes
// are copied straight into the interpreter's heap by the FS layer (the fast path) instead of
// being converted through JsProxy (~40x slower, see the wasm facts).
// Faults (link cut, blackhole, latency) are applied here, between Python and the wire.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { wasiErrno, linuxErrno } from './errno-bridge.js';
import type { EmscriptenFS, FsStream } from './emscripten-fs.js';

export const NET_DEVICE_DIR = '/simnet';
const NET_MAJOR = 64;
const CONNECT_TIMEOUT_MS = 20_000;
/** mbedTLS's code for a certificate that failed verification, as MicroPython raises it. */
const MBEDTLS_ERR_X509_CERT_VERIFY_FAILED = -0x2700;
const MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE = -0x7780;
/** What MicroPython on ESP32 raises when getaddrinfo fails. */
const ESP_DNS_FAILURE = -202;

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
  private waiters: Array<() => void> = [];

  constructor(
    readonly id: number,
    readonly sock: net.Socket,
  ) {}

  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  waitFor(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function describeTlsError(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  if (/CERT|SELF_SIGNED|ALTNAME|UNABLE_TO|VERIFY|ISSUER/.test(code)) {
    return `${MBEDTLS_ERR_X509_CERT_VERIFY_FAILED}|MBEDTLS_ERR_X509_CERT_VERIFY_FAILED`;
  }
  return `${MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE}|MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE`;
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${ESP_DNS_FAILURE}|getaddrinfo failed`;
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EPIPE':
      return `${linuxErrno(err.code)}|${err.code}`;
    default:
      return `${linuxErrno('ECONNABORTED')}|${err.code ?? err.message}`;
  }
}

export class SimNetwork {
  private readonly sockets = new Map<number, SimSocket>();
  private nextId = 1;
  private faults: NetFaults = { blackhole: false, latencyMs: 0 };

  constructor(
    private readonly FS: EmscriptenFS,
    private readonly linkUp: () => boolean,
  ) {
    FS.mkdirTree(NET_DEVICE_DIR);
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

  /** Starts a connection; Python awaits waitConnected(id) and then opens /simnet/<id>. */
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
        rejectUnauthorized: tlsRequest.verify,
        checkServerIdentity: (hostname, cert) => tls.checkServerIdentity(servername || hostname, cert),
      });
    } else {
      sock = net.connect({ host, port });
    }
    sock.setNoDelay(true);
    const s = new SimSocket(id, sock);
    this.sockets.set(id, s);
    this.registerDevice(s);
    this.attach(s, tlsRequest !== undefined, tlsRequest?.verify === true && !tlsRequest.ca);
    return id;
  }

  private attach(s: SimSocket, isTls: boolean, verifyWithoutCa: boolean): void {
    const { sock } = s;
    const timer = setTimeout(() => {
      if (s.connected) return;
      this.finishConnect(s, `${linuxErrno('ETIMEDOUT')}|ETIMEDOUT`);
      sock.destroy();
    }, CONNECT_TIMEOUT_MS);
    const onReady = () => {
      clearTimeout(timer);
      if (verifyWithoutCa) {
        // mbedTLS with CERT_REQUIRED and no CA loaded cannot verify anything.
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

  /** Resolves with '' once connected, or 'errno|message' when the connection failed. */
  async waitConnected(id: number): Promise<string> {
    const s = this.sockets.get(id);
    if (!s) return `${linuxErrno('EBADF')}|no such socket`;
    if (!this.linkUp()) {
      this.close(id);
      return `${linuxErrno('EHOSTUNREACH')}|EHOSTUNREACH`;
    }
    while (s.connectResult === undefined) await s.waitFor();
    return s.connectResult;
  }

  /** Resolves when the socket has data, reached EOF or failed. */
  async waitReadable(id: number): Promise<void> {
    const s = this.sockets.get(id);
    if (!s || s.inbound.length > 0 || s.eof || s.errno) return;
    await s.waitFor();
  }

  /** True when drain() has something to wait for or to report. */
  mustDrain(id: number): boolean {
    const s = this.sockets.get(id);
    return !s || s.sock.destroyed || s.errno !== 0 || s.sock.writableNeedDrain;
  }

  /**
   * Resolves with '' once the send buffer drained below its high-water mark, or with
   * 'errno|message' when the connection is (or becomes) unusable: a dead socket never drains.
   */
  async drain(id: number): Promise<string> {
    const s = this.sockets.get(id);
    const dead = () => (!s ? `${linuxErrno('EBADF')}|closed` : s.errno ? `${s.errno === wasiErrno('ECONNRESET') ? linuxErrno('ECONNRESET') : linuxErrno('ECONNABORTED')}|connection lost` : s.sock.destroyed ? `${linuxErrno('ENOTCONN')}|not connected` : '');
    if (!s || dead() || !s.sock.writableNeedDrain) return dead();
    await new Promise<void>((resolve) => {
      const done = () => {
        s.sock.off('drain', done);
        s.sock.off('close', done);
        resolve();
      };
      s.sock.on('drain', done);
      s.sock.on('close', done);
    });
    return dead();
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
    FS.registerDevice(dev, {
      read(_stream: FsStream, buffer: Int8Array, offset: number, length: number) {
        if (s.inbound.length === 0) {
          if (s.errno) throw new FS.ErrnoError(s.errno);
          if (s.eof) return 0;
          throw new FS.ErrnoError(wasiErrno('EAGAIN'));
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

/** Accepts PEM text or base64 DER (how the Python side passes bytes) and returns PEM. */
function toPem(data: string, label = 'CERTIFICATE'): string {
  if (data.includes('-----BEGIN')) return data;
  const b64 = data.replace(/\s+/g, '');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
