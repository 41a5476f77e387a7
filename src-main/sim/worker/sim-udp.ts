// UDP for the virtual board's `socket` module (what SNTP needs): real Node datagram sockets in the
// worker, non-blocking only. Datagrams wait in a queue per socket until Python's recv() takes one;
// a recv with nothing queued is EAGAIN, as on the ESP32 port's lwIP socket in non-blocking mode.
// Payloads are small (an NTP packet is 48 bytes), so they cross as hex strings.
import * as dgram from 'node:dgram';
import { linuxErrno } from './errno-bridge.js';

/** What an ESP32 keeps per UDP socket before it drops datagrams (lwIP's receive mailbox). */
const MAX_QUEUED = 6;

interface UdpSocket {
  sock: dgram.Socket;
  queue: Array<{ hex: string; address: string; port: number }>;
}

export class SimUdp {
  private readonly sockets = new Map<number, UdpSocket>();
  private nextId = 1;

  constructor(private readonly linkUp: () => boolean) {}

  open(): number {
    const id = this.nextId++;
    const sock = dgram.createSocket('udp4');
    const entry: UdpSocket = { sock, queue: [] };
    sock.on('message', (msg, rinfo) => {
      if (entry.queue.length < MAX_QUEUED) entry.queue.push({ hex: msg.toString('hex'), address: rinfo.address, port: rinfo.port });
    });
    sock.on('error', () => {}); // an ICMP error or similar: the datagram is lost, as UDP does
    sock.unref();
    this.sockets.set(id, entry);
    return id;
  }

  /** '' when sent, else 'errno|message'. */
  send(id: number, hex: string, host: string, port: number): string {
    const s = this.sockets.get(id);
    if (!s) return `${linuxErrno('EBADF')}|EBADF`;
    if (!this.linkUp()) return `${linuxErrno('EHOSTUNREACH')}|EHOSTUNREACH`;
    s.sock.send(Buffer.from(hex, 'hex'), port, host);
    return '';
  }

  /** 'hex|address|port' of the oldest datagram, or '' when none has arrived. */
  recv(id: number): string {
    const d = this.sockets.get(id)?.queue.shift();
    return d ? `${d.hex}|${d.address}|${d.port}` : '';
  }

  close(id: number): void {
    const s = this.sockets.get(id);
    this.sockets.delete(id);
    s?.sock.close();
  }

  get openCount(): number {
    return this.sockets.size;
  }
}
