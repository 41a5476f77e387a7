// TCP and TLS for the virtual board, interpreter side. The connections themselves are the host
// thread's (host-net.ts, net-protocol.ts); Python reaches each one through a character device
// (/simnet/<id>), so received bytes are copied straight into the interpreter's heap by the FS layer
// (the fast path) instead of being converted through JsProxy (~40x slower, see the wasm facts).
// A read that finds nothing queued takes what the host has sent meanwhile without waiting for
// this thread's event loop, which does not run while Python code is busy.
import { receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { wasiErrno, linuxErrno } from './errno-bridge.js';
import type { EmscriptenFS, FsStream } from './emscripten-fs.js';
import type { NetToWorker, TlsRequest, WorkerToNet } from '../net-protocol.js';
import { RX_ACK_STEP, TCP_SND_BUF } from '../net-protocol.js';
import type { SocketBudget } from './socket-budget.js';

export const NET_DEVICE_DIR = '/simnet';
const NET_MAJOR = 64;

class SimSocket {
  readonly inbound: Uint8Array[] = [];
  eof = false;
  /** WASI errno of a broken connection, raised by the next read or write. */
  errno = 0;
  /** Closed by either side: nothing more can be written. */
  closed = false;
  connectResult: string | undefined;
  /** The Python side waits for this socket: the next change of state queues its id. */
  armed = false;
  /** The Wi-Fi link was checked when Python first asked for the connect result. */
  linkChecked = false;
  /** Written and not yet handed to the operating system by the host: lwIP's send buffer in use. */
  unsent = 0;
  /** Read since the host was last told. */
  unacked = 0;

  constructor(
    readonly id: number,
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
    private readonly port: MessagePort,
    private readonly linkUp: () => boolean,
    private readonly budget: SocketBudget,
  ) {
    FS.mkdirTree(NET_DEVICE_DIR);
    this.eagain = new FS.ErrnoError(wasiErrno('EAGAIN'));
    port.on('message', (msg: NetToWorker) => this.onMessage(msg));
  }

  get openCount(): number {
    return this.sockets.size;
  }

  /** The Wi-Fi link went down: every connection breaks, as lwIP aborts them. */
  linkLost(): void {
    for (const s of this.sockets.values()) this.fail(s, 'ECONNABORTED');
  }

  /**
   * Starts a connection; Python waits for connectResult(id) and then opens /simnet/<id>. 0 when
   * lwIP's socket table is full (the port's socket.socket() raises ENFILE then).
   */
  open(host: string, port: number, tls: TlsRequest | undefined): number {
    if (!this.budget.take()) return 0;
    const id = this.nextId++;
    const s = new SimSocket(id, (sid) => this.markReady(sid));
    this.sockets.set(id, s);
    this.registerDevice(s);
    this.send({ op: 'open', id, host, port, ...(tls && { tls }) });
    return id;
  }

  private send(msg: WorkerToNet, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(msg, transfer);
  }

  /** Takes what the host has sent and this thread's event loop has not delivered yet. */
  private pump(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.onMessage(m.message as NetToWorker);
  }

  private onMessage(msg: NetToWorker): void {
    const s = this.sockets.get(msg.id);
    if (!s) return; // closed here meanwhile
    switch (msg.op) {
      case 'connect':
        s.connectResult ??= msg.result;
        break;
      case 'data':
        s.inbound.push(msg.data);
        break;
      case 'end':
        s.eof = true;
        break;
      case 'error':
        if (!s.errno) s.errno = wasiErrno(msg.code);
        s.closed = true;
        break;
      case 'closed':
        if (s.connectResult === undefined) s.connectResult = `${linuxErrno('ECONNRESET')}|closed`;
        s.eof = s.closed = true;
        break;
      case 'written':
        s.unsent -= msg.bytes;
        break;
    }
    s.wake();
  }

  private fail(s: SimSocket, code: string): void {
    if (!s.errno) s.errno = wasiErrno(code);
    if (!s.closed) this.send({ op: 'close', id: s.id });
    s.closed = true;
    s.wake();
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
    if (s.connectResult === undefined) this.pump();
    return s.connectResult ?? null;
  }

  /** socket.setsockopt(IPPROTO_TCP, TCP_NODELAY, on): Nagle's algorithm off (on = true) or on. */
  noDelay(id: number, on: boolean): void {
    if (this.sockets.has(id)) this.send({ op: 'nodelay', id, on });
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

  /** Ids queued that the loop has not taken yet. */
  hasReady(): boolean {
    return this.ready.length > 0;
  }

  private markReady(id: number): void {
    this.ready.push(id);
    this.onReady();
  }

  /**
   * What lwIP's poll reports as POLLOUT: the send buffer has room, or the connection is broken or
   * closed (the next write then raises the error).
   */
  writable(id: number): boolean {
    this.pump();
    const s = this.sockets.get(id);
    return !s || s.closed || s.errno !== 0 || s.unsent < TCP_SND_BUF;
  }

  close(id: number): void {
    const s = this.sockets.get(id);
    if (!s) return;
    this.sockets.delete(id);
    this.budget.release();
    if (!s.closed) this.send({ op: 'close', id });
    s.eof = s.closed = true;
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

  /** Read `n` bytes: the host may receive more (it stops at net-protocol's RX_WINDOW). */
  private consumed(s: SimSocket, n: number): void {
    if (n === 0) return;
    s.unacked += n;
    if (s.unacked < RX_ACK_STEP && s.inbound.length > 0) return;
    this.send({ op: 'consumed', id: s.id, bytes: s.unacked });
    s.unacked = 0;
  }

  private registerDevice(s: SimSocket): void {
    const dev = this.FS.makedev(NET_MAJOR, s.id);
    const FS = this.FS;
    const eagain = this.eagain;
    FS.registerDevice(dev, {
      // Arrow functions: the device calls come from Emscripten, `this` stays this network.
      read: (_stream: FsStream, buffer: Int8Array, offset: number, length: number) => {
        if (s.inbound.length === 0) this.pump();
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
        this.consumed(s, copied);
        return copied;
      },
      write: (_stream: FsStream, buffer: Int8Array, offset: number, length: number) => {
        if (s.errno) throw new FS.ErrnoError(s.errno);
        if (!this.sockets.has(s.id) || s.closed) throw new FS.ErrnoError(wasiErrno('ENOTCONN'));
        // lwIP's send buffer takes what fits (a partial write); when full, EAGAIN, which the stream
        // layer turns into None: asyncio's Stream keeps the rest in its out_buf.
        // No pump here: the room one write finds is what the host had reported before it.
        const n = Math.min(length, TCP_SND_BUF - s.unsent);
        if (n <= 0) throw eagain;
        const data = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, n).slice();
        s.unsent += n;
        this.send({ op: 'write', id: s.id, data }, [data.buffer]);
        return n;
      },
      llseek() {
        throw new FS.ErrnoError(wasiErrno('ESPIPE'));
      },
    });
    FS.mkdev(`${NET_DEVICE_DIR}/${s.id}`, 0o666, dev);
  }
}
