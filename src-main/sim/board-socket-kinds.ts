// The host-side objects behind a virtual board's sockets (board-sockets.ts): a TCP connection or
// a UDP socket with what lwIP would have queued for it, wired to the Node socket that carries it.
// Faults apply on the way in: a blackhole drops everything, latency delays what arrives.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { linuxErrno } from './worker/errno-bridge.js';
import { TCP_SND_BUF } from './net-protocol.js';

export { TCP_SND_BUF };
/** Datagrams lwIP queues per UDP socket before it drops them (CONFIG_LWIP_UDP_RECVMBOX_SIZE). */
const UDP_RECVMBOX = 6;
/** How long lwIP keeps trying to connect (SYN retransmissions), as the asyncio streams use. */
const CONNECT_TIMEOUT_MS = 20_000;
const POLLIN = 1;
const POLLOUT = 4;
export const POLLERR = 8;
export const POLLHUP = 16;
/** Node's connection errors that keep their name; any other one reads as ECONNABORTED. */
const KEPT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT']);

export interface Tcp {
  kind: 'tcp';
  sock?: net.Socket;
  state: 'new' | 'connecting' | 'connected';
  inbound: Buffer[];
  eof: boolean;
  /** Linux errno of a failed connection: the next call reports it. */
  errno: number;
}

export interface Udp {
  kind: 'udp';
  sock: dgram.Socket;
  queue: Array<{ data: Buffer; address: string; port: number }>;
  peer?: { host: string; port: number };
  bound?: boolean;
}

/** What the sockets tell their owner, and the faults they obey. */
export interface SocketHooks {
  blackhole(): boolean;
  /** Runs fn after the configured latency. */
  later(fn: () => void): void;
  /** Something a waiting call may be waiting for happened. */
  changed(): void;
}

export function newTcp(): Tcp {
  return { kind: 'tcp', state: 'new', inbound: [], eof: false, errno: 0 };
}

export function newUdp(hooks: SocketHooks): Udp {
  const sock = dgram.createSocket('udp4');
  const u: Udp = { kind: 'udp', sock, queue: [] };
  sock.on('message', (msg, rinfo) => {
    if (hooks.blackhole() || u.queue.length >= UDP_RECVMBOX) return;
    hooks.later(() => (u.queue.push({ data: msg, address: rinfo.address, port: rinfo.port }), hooks.changed()));
  });
  sock.on('error', () => {}); // an ICMP error: the datagram is lost, as UDP does
  sock.unref();
  return u;
}

/** Starts the connection of a new TCP socket; its state follows what the Node socket does. */
export function startConnect(s: Tcp, host: string, port: number, hooks: SocketHooks): void {
  const sock = net.connect({ host, port });
  s.sock = sock;
  s.state = 'connecting';
  const timer = setTimeout(() => failTcp(s, 'ETIMEDOUT', hooks), CONNECT_TIMEOUT_MS);
  sock.once('connect', () => {
    if (hooks.blackhole()) return; // the handshake never completes: the timer fires
    clearTimeout(timer);
    s.state = 'connected';
    hooks.changed();
  });
  sock.on('data', (chunk: Buffer) => {
    if (!hooks.blackhole()) hooks.later(() => (s.inbound.push(chunk), hooks.changed()));
  });
  sock.on('drain', () => hooks.changed());
  sock.on('end', () => hooks.later(() => ((s.eof = true), hooks.changed())));
  sock.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    failTcp(s, KEPT_ERRORS.has(err.code ?? '') ? err.code! : 'ECONNABORTED', hooks);
  });
  sock.on('close', () => clearTimeout(timer));
}

export function failTcp(s: Tcp, code: string, hooks: SocketHooks): void {
  if (!s.errno) s.errno = linuxErrno(code);
  s.sock?.destroy();
  hooks.changed();
}

/** poll(2) flags of a socket now. */
export function readiness(s: Tcp | Udp): number {
  if (s.kind === 'udp') return (s.queue.length ? POLLIN : 0) | POLLOUT;
  let f = s.errno ? POLLERR | POLLHUP | POLLIN : 0;
  if (s.inbound.length || s.eof) f |= POLLIN;
  if (s.eof) f |= POLLHUP;
  if (s.state === 'connected' && s.sock && s.sock.writableLength < TCP_SND_BUF) f |= POLLOUT;
  return f;
}

/** Takes n bytes off the front of a receive queue. */
export function consume(queue: Buffer[], n: number): void {
  while (n > 0) {
    const head = queue[0]!;
    if (head.length > n) {
      queue[0] = head.subarray(n);
      return;
    }
    queue.shift();
    n -= head.length;
  }
}
