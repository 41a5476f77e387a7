// A small SNTP server (RFC 4330) on the loopback interface for virtual boards: they have no
// internet, and a board whose RTC reads 2000-01-01 cannot verify a broker's certificate until it
// has the time. Answers every client request with the host's clock (or `now()`).
import * as dgram from 'node:dgram';

/** Seconds from the NTP era (1900-01-01) to the Unix epoch. */
const NTP_UNIX_DELTA = 2_208_988_800;
const PACKET = 48;

export interface SntpServer {
  host: string;
  port: number;
  /** Requests answered so far. */
  readonly answered: number;
  close(): Promise<void>;
}

function writeTimestamp(buf: Buffer, offset: number, unixMs: number): void {
  const secs = Math.floor(unixMs / 1000) + NTP_UNIX_DELTA;
  buf.writeUInt32BE(secs >>> 0, offset);
  buf.writeUInt32BE(Math.floor(((unixMs % 1000) / 1000) * 2 ** 32) >>> 0, offset + 4);
}

export async function startSntpServer(opts: { port?: number; now?: () => number } = {}): Promise<SntpServer> {
  const now = opts.now ?? Date.now;
  const sock = dgram.createSocket('udp4');
  let answered = 0;
  sock.on('message', (msg, rinfo) => {
    // A client request: version in bits 3-5, mode 3 (client) in bits 0-2; anything else is ignored.
    if (msg.length < PACKET || (msg[0]! & 7) !== 3) return;
    const reply = Buffer.alloc(PACKET);
    reply[0] = (msg[0]! & 0x38) | 4; // leap 0, the client's version, mode 4 (server)
    reply[1] = 1; // stratum 1: a primary reference, as far as the board can tell
    reply[2] = msg[2]!; // poll interval echoed
    reply[3] = 0xec; // precision ~2^-20 s
    reply.write('LOCL', 12, 'ascii');
    const t = now();
    writeTimestamp(reply, 16, t); // reference
    msg.copy(reply, 24, 40, 48); // originate = the client's transmit timestamp
    writeTimestamp(reply, 32, t); // receive
    writeTimestamp(reply, 40, t); // transmit
    sock.send(reply, rinfo.port, rinfo.address);
    answered++;
  });
  sock.on('error', () => {}); // a client gone away (ICMP) is no reason to stop serving
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port ?? 0, '127.0.0.1', () => (sock.off('error', reject), resolve()));
  });
  return {
    host: '127.0.0.1',
    port: sock.address().port,
    get answered() {
      return answered;
    },
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}
