// The board's `socket` module against real servers on the host: blocking calls wait as on the
// ESP32 port (and time out with ETIMEDOUT), non-blocking ones raise EAGAIN/EINPROGRESS, and
// select.poll() sees them. One board for the file. Errno values are the simulator's (Linux).
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTestBoards, createTestBoard, WIFI_UP, probeAsync } from './test-boards.js';
import type { VirtualBoard } from './virtual-board.js';

let board: VirtualBoard;
let tcp: net.Server;
let udp: dgram.Socket;
let tcpPort = 0;
let udpPort = 0;

beforeAll(async () => {
  // Answers each line after 100 ms: the board's blocking recv must wait for it.
  tcp = net.createServer((c) => {
    c.on('data', (d) => {
      const text = d.toString();
      if (text.startsWith('lines')) c.write('first\nsecond\n');
      else setTimeout(() => c.write(d), 100);
    });
  });
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  tcpPort = (tcp.address() as net.AddressInfo).port;
  udp = dgram.createSocket('udp4');
  udp.on('message', (msg, from) => udp.send(Buffer.concat([Buffer.from('re:'), msg]), from.port, from.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  udpPort = udp.address().port;
  board = createTestBoard({ id: 'sockets', runBootFiles: false, files: { 'wifi.py': WIFI_UP } });
  await board.powerOn();
  await board.probe('from wifi import wifi_up');
  await probeAsync(board, 'wifi_up()');
  await board.probe('import socket, select, errno');
});
afterAll(async () => {
  await closeTestBoards();
  tcp.close();
  udp.close();
});

async function raised(code: string): Promise<string> {
  try {
    await board.probe(code);
    return 'ok';
  } catch (err) {
    return /(\w+Error: .*)$/m.exec((err as Error).message)?.[1] ?? (err as Error).message;
  }
}

describe('socket module of the virtual board', () => {
  it('TCP, blocking: connect, send, a recv that waits for the answer, readline, timeout, close', async () => {
    await board.probe(`s = socket.socket()\ns.connect(("127.0.0.1", ${tcpPort}))\ns.send(b"hello")`);
    expect(await board.probeJson('s.recv(16).decode()')).toBe('hello');
    expect(await board.probeJson('s.makefile("rwb") is s')).toBe(true);
    await board.probe('s.write(b"lines")');
    expect(await board.probeJson('[s.readline().decode(), s.readline().decode()]')).toEqual(['first\n', 'second\n']);
    await board.probe('s.settimeout(0.2)');
    expect(await raised('s.recv(4)')).toBe('OSError: [Errno 110] ETIMEDOUT');
    await board.probe('s.sendall(b"x" * 3000)\ns.settimeout(2)');
    expect(await board.probeJson('len(s.read(3000))')).toBe(3000);
    await board.probe('s.close()');
    expect(await raised('s.send(b"late")')).toBe('OSError: [Errno 9] EBADF');
  });

  it('TCP, non-blocking: EINPROGRESS, select.poll() for writable and readable, EAGAIN', async () => {
    await board.probe(`n = socket.socket()\nn.setblocking(False)`);
    expect(await raised(`n.connect(("127.0.0.1", ${tcpPort}))`)).toBe('OSError: [Errno 115] EINPROGRESS');
    await board.probe('p = select.poll()\np.register(n, select.POLLOUT)');
    expect(await board.probeJson('[ev for _, ev in p.poll(2000)]')).toEqual([4]);
    expect(await raised('n.recv(4)')).toBe('OSError: [Errno 11] EAGAIN');
    expect(await board.probeJson('n.send(b"ping")')).toBe(4);
    await board.probe('p.modify(n, select.POLLIN)');
    expect(await board.probeJson('[ev for _, ev in p.poll(2000)]')).toEqual([1]);
    expect(await board.probeJson('n.read(4).decode()')).toBe('ping');
    expect(await board.probeJson('n.read(4)')).toBe(null);
    await board.probe('n.close()');
  });

  it('UDP: sendto and a blocking recvfrom with its source; a timeout', async () => {
    await board.probe(`u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nu.settimeout(1)\nu.sendto(b"ntp?", ("127.0.0.1", ${udpPort}))`);
    expect(await board.probeJson('(lambda r: [r[0].decode(), r[1][0], r[1][1]])(u.recvfrom(48))')).toEqual(['re:ntp?', '127.0.0.1', udpPort]);
    await board.probe('u.settimeout(0.1)');
    expect(await raised('u.recv(48)')).toBe('OSError: [Errno 110] ETIMEDOUT');
    await board.probe('u.close()');
  });

  it('fails as the port does: refused, no Wi-Fi, no IPv6, no server sockets, no names the port lacks', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await raised(`socket.socket().connect(("127.0.0.1", ${port}))`)).toBe('OSError: [Errno 111] ECONNREFUSED');
    expect(await raised('socket.socket().connect(("example.com", 80))')).toBe("OSError: (-202, 'getaddrinfo failed')");
    expect(await raised('socket.socket(socket.AF_INET6)')).toBe('OSError: 97');
    expect(await raised('socket.socket().listen(1)')).toBe('OSError: [Errno 95] EOPNOTSUPP');
    expect(await board.probeJson('[hasattr(socket.socket, n) for n in ("shutdown", "getpeername", "getsockname", "detach")]')).toEqual([false, false, false, false]);
    await board.probe(`k = socket.socket()\nk.connect(("127.0.0.1", ${tcpPort}))`);
    board.setLink(false); // lwIP aborts the connections; new ones find no route
    await new Promise((r) => setTimeout(r, 50));
    expect(await raised('k.recv(1)')).toBe('OSError: [Errno 103] ECONNABORTED');
    expect(await raised(`socket.socket().connect(("127.0.0.1", ${tcpPort}))`)).toBe('OSError: [Errno 113] EHOSTUNREACH');
    board.setLink(true);
  });
});
