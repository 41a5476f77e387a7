// The sockets of a virtual board's `socket` module, held by the host (main thread). An ESP32 task
// blocks in lwIP until its socket has data, room or an error; the board's worker cannot, since its
// own event loop is stopped while Python runs. So the worker asks here and waits on a shared
// channel (worker-protocol.ts, SockRequest) while this thread does the I/O, and blocking, timeouts
// and non-blocking sockets behave as on the port. A worker end (reset, power) closes them all, as
// lwIP's state does not survive a reset. Faults (link cut, blackhole, latency) apply here too.
import * as net from 'node:net';
import { linuxErrno } from './worker/errno-bridge.js';
import type { SocketHooks, Tcp, Udp } from './board-socket-kinds.js';
import { POLLERR, POLLHUP, TCP_SND_BUF, consume, failTcp, newTcp, newUdp, readiness, startConnect } from './board-socket-kinds.js';
import type { SockRequest } from './worker-protocol.js';
import { SOCK_DATA_BYTES, SOCK_HEADER_BYTES, SOCK_SLOT, SOCK_STATE } from './worker-protocol.js';

/** A poll that finds nothing waits this long for a change: select.poll() spins on it. */
const POLL_LINGER_MS = 1;

export interface SocketFaults {
  link: boolean;
  blackhole: boolean;
  latencyMs: number;
}

export class BoardSockets {
  private sockets = new Map<number, Tcp | Udp>();
  private nextId = 1;
  private channel = new SharedArrayBuffer(SOCK_HEADER_BYTES + SOCK_DATA_BYTES);
  private head = new Int32Array(this.channel, 0, SOCK_HEADER_BYTES / 4);
  private data = new Uint8Array(this.channel, SOCK_HEADER_BYTES);
  /** The request the worker is blocked on, retried on every change until it can be answered. */
  private waiting: { retry: () => boolean; timer?: NodeJS.Timeout } | undefined;

  private readonly hooks: SocketHooks = {
    blackhole: () => this.faults().blackhole,
    later: (fn) => this.later(fn),
    changed: () => this.changed(),
  };

  constructor(private readonly faults: () => SocketFaults) {}

  /** Closes everything and gives the channel for a new worker (a fresh one: no late answer reaches it). */
  reset(): SharedArrayBuffer {
    this.closeAll();
    this.channel = new SharedArrayBuffer(SOCK_HEADER_BYTES + SOCK_DATA_BYTES);
    this.head = new Int32Array(this.channel, 0, SOCK_HEADER_BYTES / 4);
    this.data = new Uint8Array(this.channel, SOCK_HEADER_BYTES);
    return this.channel;
  }

  closeAll(): void {
    this.endWait();
    for (const id of [...this.sockets.keys()]) this.close(id);
  }

  /** The Wi-Fi link is gone: lwIP aborts every TCP connection. */
  linkLost(): void {
    for (const s of this.sockets.values()) if (s.kind === 'tcp' && s.sock) failTcp(s, 'ECONNABORTED', this.hooks);
  }

  handle(req: SockRequest): void {
    try {
      this.dispatch(req);
    } catch {
      this.reply(-linuxErrno('EIO'));
    }
  }

  private dispatch(req: SockRequest): void {
    if (req.op === 'linklost') return this.linkLost(); // a notice: the worker does not wait
    if (req.op === 'open') return this.reply(this.open(req.arg === 2 ? 'udp' : 'tcp'));
    const s = this.sockets.get(req.id);
    if (!s) return this.reply(-linuxErrno('EBADF'));
    if (req.op === 'close') return (this.close(req.id), this.reply(0));
    if (req.op === 'poll') return this.poll(s, req.arg);
    if (s.kind === 'udp') return this.udp(s, req);
    switch (req.op) {
      case 'connect':
        return this.connect(s, req);
      case 'send':
      case 'sendto':
        return this.send(s, req);
      case 'recv':
        return this.wait(req.arg, () => this.recvTcp(s, req));
      case 'nodelay':
        s.sock?.setNoDelay(req.arg === 1);
        return this.reply(0);
      default:
        return this.reply(0); // bind: a TCP client's local port is nominal
    }
  }

  private open(kind: 'tcp' | 'udp'): number {
    const id = this.nextId++;
    this.sockets.set(id, kind === 'tcp' ? newTcp() : newUdp(this.hooks));
    return id;
  }

  private connect(s: Tcp, req: SockRequest): void {
    if (s.state === 'connected') return this.reply(-linuxErrno('EISCONN'));
    if (s.state === 'new') {
      if (!req.link || !this.faults().link) return this.reply(-linuxErrno('EHOSTUNREACH'));
      startConnect(s, req.host, req.port, this.hooks);
      if (req.arg === 0) return this.reply(-linuxErrno('EINPROGRESS'));
    } else if (req.arg === 0) {
      return this.reply(-linuxErrno(s.errno ? 'ECONNABORTED' : 'EALREADY'));
    }
    this.wait(req.arg, () => (s.state === 'connected' ? (this.reply(0), true) : s.errno ? (this.reply(-s.errno), true) : false));
  }

  private send(s: Tcp, req: SockRequest): void {
    if (s.errno) return this.reply(-s.errno);
    if (s.state !== 'connected' || !s.sock) return this.reply(-linuxErrno(s.state === 'new' ? 'ENOTCONN' : 'EAGAIN'));
    const sock = s.sock;
    const room = TCP_SND_BUF - sock.writableLength;
    if (req.arg === 0 && room <= 0) return this.reply(-linuxErrno('EAGAIN'));
    // Non-blocking: what fits in the send buffer. Blocking: all of it, once the buffer has room.
    const n = req.arg === 0 ? Math.min(req.len, room) : req.len;
    const bytes = Buffer.from(this.data.subarray(0, n));
    if (!this.faults().blackhole) this.later(() => sock.write(bytes));
    if (req.arg === 0) return this.reply(n);
    this.wait(req.arg, () => (s.errno ? (this.reply(-s.errno), true) : sock.writableLength < TCP_SND_BUF ? (this.reply(n), true) : false));
  }

  private recvTcp(s: Tcp, req: SockRequest): boolean {
    if (s.inbound.length > 0) {
      let n = 0;
      for (let i = 0; i < s.inbound.length && n < req.len; i++) {
        const chunk = s.inbound[i]!;
        const k = Math.min(chunk.length, req.len - n);
        this.data.set(chunk.subarray(0, k), n);
        n += k;
      }
      if (req.flags !== 1) consume(s.inbound, n);
      this.reply(n);
      return true;
    }
    if (s.errno) this.reply(-s.errno);
    else if (s.eof) this.reply(0);
    else if (s.state === 'new') this.reply(-linuxErrno('ENOTCONN'));
    else return false;
    return true;
  }

  private udp(u: Udp, req: SockRequest): void {
    switch (req.op) {
      case 'connect':
        u.peer = { host: req.host, port: req.port };
        return this.reply(0);
      case 'send':
      case 'sendto': {
        const to = req.op === 'send' ? u.peer : { host: req.host, port: req.port };
        if (!to) return this.reply(-linuxErrno('ENOTCONN'));
        if (!req.link || !this.faults().link) return this.reply(-linuxErrno('EHOSTUNREACH'));
        const bytes = Buffer.from(this.data.subarray(0, req.len));
        if (!this.faults().blackhole) this.later(() => u.sock.send(bytes, to.port, to.host));
        return this.reply(req.len);
      }
      case 'recv':
        return this.wait(req.arg, () => {
          const d = u.queue[0];
          if (!d) return false;
          if (req.flags !== 1) u.queue.shift();
          const n = Math.min(d.data.length, req.len); // the rest of a datagram is lost, as lwIP does
          this.data.set(d.data.subarray(0, n));
          this.head[SOCK_SLOT.PORT] = d.port;
          this.head[SOCK_SLOT.ADDR] = net.isIPv4(d.address) ? d.address.split('.').reduce((a, b) => (a << 8) | Number(b), 0) : 0;
          this.reply(n);
          return true;
        });
      case 'bind':
        // The port is nominal (every board shares the host's addresses): an ephemeral one.
        if (!u.bound) u.sock.bind(0);
        u.bound = true;
        return this.reply(0);
      default:
        return this.reply(0);
    }
  }

  private poll(s: Tcp | Udp, events: number): void {
    // Errors and hang-ups are reported whatever was asked, as poll(2) does.
    const ready = () => readiness(s) & (events | POLLERR | POLLHUP);
    if (ready()) return this.reply(ready());
    this.waiting = { retry: () => (ready() ? (this.reply(ready()), true) : false) };
    this.waiting.timer = setTimeout(() => (this.endWait(), this.reply(0)), POLL_LINGER_MS);
  }

  /** Answers now when it can; otherwise (ms > 0: for at most ms, then ETIMEDOUT; 0: EAGAIN). */
  private wait(ms: number, retry: () => boolean): void {
    if (retry()) return;
    if (ms === 0) return this.reply(-linuxErrno('EAGAIN'));
    this.waiting = { retry };
    if (ms > 0) this.waiting.timer = setTimeout(() => (this.endWait(), this.reply(-linuxErrno('ETIMEDOUT'))), ms);
  }

  private changed(): void {
    if (this.waiting?.retry()) this.endWait();
  }

  private endWait(): void {
    clearTimeout(this.waiting?.timer);
    this.waiting = undefined;
  }

  private later(fn: () => void): void {
    const ms = this.faults().latencyMs;
    if (ms > 0) setTimeout(fn, ms);
    else fn();
  }

  private close(id: number): void {
    const s = this.sockets.get(id);
    this.sockets.delete(id);
    if (s?.kind === 'tcp') s.sock?.destroy();
    else if (s) s.sock.close();
  }

  private reply(result: number): void {
    Atomics.store(this.head, SOCK_SLOT.RESULT, result);
    Atomics.store(this.head, SOCK_SLOT.STATE, SOCK_STATE.DONE);
    Atomics.notify(this.head, SOCK_SLOT.STATE);
  }
}

