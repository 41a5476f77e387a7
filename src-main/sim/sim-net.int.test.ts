import { createHash, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS, startTestBroker } from '../testing/brokers.js';
import type { TestBroker } from '../testing/brokers.js';
import { getTestCa } from '../testing/test-ca.js';
import { WIFI_UP, closeTestBoards, createTestBoard, probeAsync } from './test-boards.js';
import type { VirtualBoard } from './virtual-board.js';

afterEach(closeTestBoards);

// Board-side helpers: a minimal MQTT CONNECT/CONNACK exchange, hand-encoded on the board.
const NET_HELPERS = `${WIFI_UP}
import asyncio, ssl, hashlib, binascii
def ctx(cadata=None, verify=True):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if verify:
        c.verify_mode = ssl.CERT_REQUIRED
    if cadata:
        c.load_verify_locations(cadata=cadata)
    return c
async def mqtt_connack(host, port, ssl=None, server_hostname=None):
    r, w = await asyncio.open_connection(host, port, ssl=ssl, server_hostname=server_hostname)
    cid = b"simtest"
    body = b"\\x00\\x04MQTT\\x04\\x02\\x00\\x3c" + len(cid).to_bytes(2, "big") + cid
    w.write(bytes([0x10, len(body)]) + body)
    await w.drain()
    ack = await r.readexactly(4)
    w.close()
    await w.wait_closed()
    return list(ack)
`;

async function bootWithWifi(files: Record<string, string | Uint8Array> = {}): Promise<VirtualBoard> {
  // The RTC at the host's time: certificate dates against the board's clock are clock.int.test.ts's.
  const board = createTestBoard({ runBootFiles: false, clockAtPowerOn: 'host', files: { 'nettest.py': NET_HELPERS, ...files } });
  await board.powerOn();
  await board.probe('from nettest import *');
  expect(await probeAsync(board, 'wifi_up()')).toMatch(/^10\.42\.0\.\d+$/);
  return board;
}

describe('virtual board: TCP streams', () => {
  let server: net.Server;
  let port: number;
  const payload = randomBytes(1_500_000);
  const received: Buffer[] = [];
  let slowBytes = 0;
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(done()).toBe(true);
  };

  beforeAll(async () => {
    server = net.createServer((sock) => {
      sock.once('data', (first) => {
        received.push(first);
        if (first.toString().startsWith('STREAM')) sock.end(Buffer.concat([Buffer.from('hello\nworld\n'), payload]));
        else if (first.toString().startsWith('SLOW')) {
          // Reads nothing for a while, then everything: the board's sends back up meanwhile.
          slowBytes += first.length;
          sock.pause();
          setTimeout(() => sock.resume(), 300);
          sock.on('data', (d) => (slowBytes += d.length));
        } else if (first.toString().startsWith('ECHO')) {
          sock.on('data', (d) => sock.write(d));
          sock.write(first);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads lines, exact sizes and a 1.5 MB stream until EOF with MicroPython stream semantics', async () => {
    const board = await bootWithWifi({
      'stream.py': `
import asyncio, hashlib, binascii
async def fetch(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"STREAM please")
    await w.drain()
    l1 = await r.readline()
    l2 = await r.readexactly(6)
    h = hashlib.sha256()
    buf = bytearray(4096)
    total = 0
    while True:
        n = await r.readinto(buf)
        if not n:
            break
        h.update(memoryview(buf)[:n])
        total += n
    tail = await r.read(10)
    w.close()
    await w.wait_closed()
    return [l1.decode(), l2.decode(), total, binascii.hexlify(h.digest()).decode(), len(tail)]
`,
    });
    await board.probe('from stream import fetch');
    const [l1, l2, total, digest, tail] = await probeAsync<[string, string, number, string, number]>(board, `fetch(${port})`);
    expect([l1, l2, tail]).toEqual(['hello\n', 'world\n', 0]);
    expect(total).toBe(payload.length);
    expect(digest).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(received.some((b) => b.toString() === 'STREAM please')).toBe(true);
  });

  it('waits for socket data without leaving anything on the heap (a long-running board stays within its budget)', async () => {
    const board = await bootWithWifi({
      'pingpong.py': `
import asyncio, gc
conn = None
async def connect(port):
    global conn
    conn = await asyncio.open_connection("127.0.0.1", port)
    conn[1].write(b"ECHO")
    await conn[1].drain()
    await conn[0].readexactly(4)
buf = bytearray(4)
async def pingpong(n):
    # Every round trip finds the socket empty: readinto() waits once for the echo.
    r, w = conn
    for i in range(n):
        w.write(buf)
        await w.drain()
        got = 0
        while got < 4:
            got += await r.readinto(memoryview(buf)[got:])
    return n
async def reconnect(port, n):
    # Every connect waits for the host's TCP handshake.
    for i in range(n):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        await w.wait_closed()
    return n
`,
    });
    // The wasm build collects when control returns to JavaScript: collect in one probe, measure
    // in the next (gc.mem_alloc() is the figure VirtualBoard.heap() samples).
    const used = async () => {
      await board.probe('gc.collect()');
      return board.probeJson<number>('gc.mem_alloc()');
    };
    await board.probe('from pingpong import *');
    await probeAsync(board, `connect(${port})`);
    await probeAsync(board, 'pingpong(200)'); // what the loops allocate once is allocated now
    await probeAsync(board, `reconnect(${port}, 20)`);
    const before = await used();
    await probeAsync(board, 'pingpong(3000)', 60_000);
    await probeAsync(board, `reconnect(${port}, 200)`, 60_000);
    const after = await used();
    // Each wait used to keep ~100 bytes alive (a JS promise's callbacks): +300 KB here. What
    // remains is the probes' own globals (~200 bytes per probeAsync).
    expect(after - before).toBeLessThan(1024);
  }, 90_000);

  it('drain() waits while the host socket cannot take more, and returns once the peer reads again', async () => {
    const board = await bootWithWifi({
      'flood.py': `
import asyncio, _simstream
async def flood(port, total):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(b"SLOW")
    chunk = bytes(16384)  # with out_buf beside it, what an ESP32's heap has room for
    waited = 0
    for i in range(total // len(chunk)):
        w.write(chunk)
        waited += len(w.out_buf) > 0  # the send buffer did not take it all: drain() sends the rest
        await w.drain()
    await w.wait_closed()
    return waited
`,
    });
    await board.probe('from flood import flood');
    const total = 8 * 1024 * 1024;
    const before = slowBytes;
    const waited = await probeAsync<number>(board, `flood(${port}, ${total})`, 60_000);
    expect(waited).toBeGreaterThan(0);
    await until(() => slowBytes - before >= total + 4);
  }, 90_000);

  it('write() gives lwIP\'s 5744-byte send buffer what fits and keeps the rest in out_buf, as the port; drain() sends it', async () => {
    const board = await bootWithWifi();
    await board.probe([
      'async def burst(port, n):',
      '    r, w = await asyncio.open_connection("127.0.0.1", port)',
      '    w.write(b"SLOW")',
      '    await w.drain()',
      '    await asyncio.sleep_ms(50)',  // the 4 bytes have left the send buffer
      '    w.write(bytes(range(256)) * (n // 256))',
      '    kept = len(w.out_buf)',
      '    await w.drain()',
      '    left = len(w.out_buf)',
      '    await w.wait_closed()',
      '    return [kept, left]',
    ].join('\n'));
    const before = slowBytes;
    const [kept, left] = await probeAsync<[number, number]>(board, `burst(${port}, 20480)`);
    expect([kept, left]).toEqual([20480 - 5744, 0]);
    await until(() => slowBytes - before === 20480 + 4);
  });

  it('close() leaves the connection open as on the port; wait_closed() frees it; 10 sockets in all (streams and socket module), then ENFILE', async () => {
    const server = net.createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const own = (server.address() as net.AddressInfo).port;
    const open = () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    const waitOpen = async (n: number) => {
      for (let i = 0; i < 250 && (await open()) !== n; i++) await new Promise((r) => setTimeout(r, 20));
      return open();
    };
    try {
      const board = await bootWithWifi();
      await board.probe('import socket\nconns = []\nasync def conn(port):\n    conns.append(await asyncio.open_connection("127.0.0.1", port))');
      await probeAsync(board, `conn(${own})`);
      await board.probe('conns[0][1].close()');
      await new Promise((r) => setTimeout(r, 200));
      expect(await open()).toBe(1); // close() alone did nothing
      await probeAsync(board, 'conns.pop()[1].wait_closed()');
      expect(await waitOpen(0)).toBe(0);
      await board.probe('s = socket.socket()');
      for (let i = 0; i < 9; i++) await probeAsync(board, `conn(${own})`);
      await expect(probeAsync(board, `conn(${own})`)).rejects.toMatchObject({ errno: 23 });
      await board.probe('r = None\ntry:\n    socket.socket()\nexcept OSError as e:\n    r = e.errno');
      expect(await board.probeJson('r')).toBe(23);
      await probeAsync(board, 'conns.pop()[1].wait_closed()');
      await probeAsync(board, `conn(${own})`); // a freed slot is usable again
      await board.probe('s.close()');
      await board.probe('s = socket.socket()\ns.close()');
      expect(await waitOpen(9)).toBe(9);
    } finally {
      server.close();
    }
  });

  it('lets one task wait to read per stream, as the port\'s asyncio asserts', async () => {
    const board = await bootWithWifi();
    await board.probe([
      'async def two_readers(port):',
      '    r, w = await asyncio.open_connection("127.0.0.1", port)',
      '    t = asyncio.create_task(r.readinto(bytearray(4)))',
      '    await asyncio.sleep_ms(20)',
      '    try:',
      '        await r.readinto(bytearray(4))',
      '        got = "read"',
      '    except AssertionError:',
      '        got = "AssertionError"',
      '    t.cancel()',
      '    await w.wait_closed()',
      '    return got',
    ].join('\n'));
    expect(await probeAsync(board, `two_readers(${port})`)).toBe('AssertionError');
  });

  it('raises OSError with the ESP32 errno for a refused connection and without Wi-Fi', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const board = await bootWithWifi();
    await expect(probeAsync(board, `asyncio.open_connection("127.0.0.1", ${deadPort})`)).rejects.toMatchObject({ errno: 111 });
    await board.probe('network.WLAN(network.STA_IF).disconnect()');
    await expect(probeAsync(board, `asyncio.open_connection("127.0.0.1", ${port})`)).rejects.toMatchObject({ errno: 113 });
  });

  it('breaks connections when the link is cut, delays traffic with latency, drops it in a blackhole', async () => {
    const board = await bootWithWifi();
    await board.probe(`import time\nasync def echo(msg):\n    r, w = await asyncio.open_connection("127.0.0.1", ${port})\n    t0 = time.ticks_ms()\n    w.write(msg)\n    await w.drain()\n    got = await r.readexactly(len(msg))\n    dt = time.ticks_diff(time.ticks_ms(), t0)\n    await w.wait_closed()\n    return [got.decode(), dt]`);
    const [text, fast] = await probeAsync<[string, number]>(board, 'echo(b"ECHO 1")');
    expect(text).toBe('ECHO 1');
    board.setNetworkFaults({ latencyMs: 150 });
    const [, slow] = await probeAsync<[string, number]>(board, 'echo(b"ECHO 2")');
    expect(slow).toBeGreaterThanOrEqual(fast + 250); // 150 ms each way

    board.setNetworkFaults({ latencyMs: 0 });
    await board.probe(`async def hold():\n    global held\n    held = await asyncio.open_connection("127.0.0.1", ${port})\n    held[1].write(b"ECHO x")\n    return list(await held[0].readexactly(6))`);
    await probeAsync(board, 'hold()');
    board.setNetworkFaults({ blackhole: true });
    await board.probe('held[1].write(b"ECHO lost")');
    await expect(probeAsync(board, 'asyncio.wait_for(held[0].readexactly(4), 0.5)', 3000)).rejects.toThrow(/TimeoutError/);
    board.setNetworkFaults({ blackhole: false });
    board.setLink(false);
    await expect(probeAsync(board, 'held[0].read(10)')).rejects.toMatchObject({ errno: 103 });
    expect(await board.probeJson('network.WLAN(network.STA_IF).isconnected()')).toBe(false);
  });
});

describe.each(BROKER_KINDS)('virtual board: MQTT over TCP and TLS against %s', (kind) => {
  let broker: TestBroker;
  let wrongHost: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker(kind, { tls: true });
    wrongHost = await startTestBroker(kind, { tls: true, tlsServerCert: 'wrong-host' });
  });
  afterAll(async () => {
    await broker?.close();
    await wrongHost?.close();
  });

  it('gets a CONNACK over plain TCP', async () => {
    const board = await bootWithWifi();
    expect(await probeAsync(board, `mqtt_connack("127.0.0.1", ${broker.port})`)).toEqual([0x20, 2, 0, 0]);
  });

  it('offers setsockopt(IPPROTO_TCP, TCP_NODELAY) on a plain TCP socket only, as an ESP32 (an SSLSocket has none)', async () => {
    const ca = await getTestCa();
    const board = await bootWithWifi({ 'ca.der': ca.ca.certDer });
    await board.probe([
      'CA = open("ca.der", "rb").read()',
      'async def nodelay(host, port, ssl=None):',
      '    r, w = await asyncio.open_connection(host, port, ssl=ssl)',
      '    try:',
      '        w.s.setsockopt(6, 1, 1)',
      '        return "set"',
      '    except AttributeError:',
      '        return "none"',
      '    finally:',
      '        w.close()',
    ].join('\n'));
    expect(await probeAsync(board, `nodelay("127.0.0.1", ${broker.port})`)).toBe('set');
    expect(await probeAsync(board, `nodelay("localhost", ${broker.tlsPort}, ssl=ctx(CA))`)).toBe('none');
  });

  it('verifies the broker certificate: the right CA connects, a wrong CA or hostname is refused', async () => {
    const ca = await getTestCa();
    const board = await bootWithWifi({
      'ca.der': ca.ca.certDer,
    });
    await board.probe(`CA = open("ca.der", "rb").read()\nWRONG = """${ca.wrongCa.cert}"""`);
    expect(await probeAsync(board, `mqtt_connack("localhost", ${broker.tlsPort}, ssl=ctx(CA))`)).toEqual([0x20, 2, 0, 0]);
    await expect(probeAsync(board, `mqtt_connack("localhost", ${broker.tlsPort}, ssl=ctx(WRONG))`)).rejects.toMatchObject({ errno: -9984 });
    await expect(probeAsync(board, `mqtt_connack("127.0.0.1", ${wrongHost.tlsPort}, ssl=ctx(CA), server_hostname="localhost")`)).rejects.toMatchObject({ errno: -9984 });
    await expect(probeAsync(board, `mqtt_connack("localhost", ${broker.tlsPort}, ssl=ctx())`)).rejects.toMatchObject({ errno: -9984 });
  });
});
