// The virtual board's clock as an ESP32's: the RTC reads 2000-01-01 after power-on (the port's
// epoch), keeps counting through resets and deep sleep, and TLS checks certificate dates
// against it, not against the host's clock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestBroker } from '../testing/brokers.js';
import { BROKER_KINDS, startTestBroker } from '../testing/brokers.js';
import { getTestCa } from '../testing/test-ca.js';
import { startSntpServer } from './sntp-server.js';
import { closeTestBoards, createTestBoard, probeAsync } from './test-boards.js';

afterEach(closeTestBoards);

async function bareBoard(opts: Parameters<typeof createTestBoard>[0] = {}) {
  const board = createTestBoard({ runBootFiles: false, ...opts });
  await board.powerOn();
  await board.probe('import time, machine');
  return board;
}

describe('virtual board clock', () => {
  it('starts at 2000-01-01 after power-on, in the ESP32 epoch, with an integer time()', async () => {
    const board = await bareBoard();
    expect(await board.probeJson('time.gmtime(0)[0]')).toBe(2000);
    expect(await board.probeJson('time.gmtime()[:3]')).toEqual([2000, 1, 1]);
    expect(await board.probeJson('type(time.time()) is int')).toBe(true);
    expect(await board.probeJson('time.time() < 60')).toBe(true);
    expect(await board.probeJson('time.localtime() == time.gmtime()')).toBe(true);
    expect(await board.probeJson('time.mktime((2000, 1, 2, 0, 0, 0, 0, 0))')).toBe(86_400);
  });

  it('RTC.datetime sets it; it keeps counting through a reset and is back at 2000 after a power cycle', async () => {
    const board = await bareBoard();
    await board.probe('machine.RTC().datetime((2030, 6, 15, 0, 12, 30, 0, 0))');
    expect(await board.probeJson('time.gmtime()[:5]')).toEqual([2030, 6, 15, 12, 30]);
    expect(await board.probeJson('machine.RTC().datetime()[:3]')).toEqual([2030, 6, 15]);
    const before = board.clockMs();
    await board.probe('machine.reset()').catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
    await board.probe('import time');
    expect(await board.probeJson('time.gmtime()[0]')).toBe(2030);
    expect(board.clockMs()).toBeGreaterThanOrEqual(before);
    await board.powerCycle();
    await board.probe('import time');
    expect(await board.probeJson('time.gmtime()[0]')).toBe(2000);
  });

  it('--clock host: starts at the host time', async () => {
    const board = await bareBoard({ clockAtPowerOn: 'host' });
    expect(await board.probeJson('time.gmtime()[0]')).toBe(new Date().getUTCFullYear());
  });

  it('socket: non-blocking UDP reaches an SNTP server; a blocking receive waits, then times out', async () => {
    const sntp = await startSntpServer();
    try {
      const board = await bareBoard();
      await board.probe('import socket, network\nw = network.WLAN(network.STA_IF)\nw.active(True)\nw.connect("mqboard-sim", "virtual-board")');
      await probeAsync(board, '__import__("asyncio").sleep_ms(300)');
      await board.probe([
        `a = socket.getaddrinfo("127.0.0.1", ${sntp.port})[0][-1]`,
        's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
        's.setblocking(False)',
        'q = bytearray(48)\nq[0] = 0x23',
        's.sendto(q, a)',
      ].join('\n'));
      await expect(board.probe('socket.getaddrinfo("pool.ntp.org", 123)')).rejects.toThrow(/-202/);
      await new Promise((r) => setTimeout(r, 200));
      const reply = await board.probeJson<number[]>('list(s.recv(48))');
      expect(reply).toHaveLength(48);
      expect(reply[0]! & 7).toBe(4);
      await expect(board.probe('s.recv(48)')).rejects.toThrow(/EAGAIN|11/);
      await board.probe('s.settimeout(0.2)');
      await expect(board.probe('s.recv(48)')).rejects.toThrow(/ETIMEDOUT/);
      expect(sntp.answered).toBe(1);
    } finally {
      await sntp.close();
    }
  });
});

describe.each(BROKER_KINDS)('TLS checks certificate dates against the board clock (%s)', (kind) => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker(kind, { tls: true });
  });
  afterAll(() => broker.close());

  it('a board whose RTC reads 2000 cannot verify the broker; with the time set it connects', async () => {
    const ca = await getTestCa();
    const board = await bareBoard({ files: { 'ca.der': ca.ca.certDer } });
    await board.probe('import network, ssl\nw = network.WLAN(network.STA_IF)\nw.active(True)\nw.connect("mqboard-sim", "virtual-board")');
    await probeAsync(board, '__import__("asyncio").sleep_ms(300)');
    await board.probe([
      'ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)',
      'ctx.verify_mode = ssl.CERT_REQUIRED',
      'ctx.load_verify_locations(cafile="/ca.der")',
      'async def tryit():',
      '    try:',
      `        r, w = await __import__("asyncio").open_connection("localhost", ${broker.tlsPort}, ssl=ctx)`,
      '        await w.wait_closed()',
      '        return "ok"',
      '    except OSError as e:',
      '        return e.errno',
    ].join('\n'));
    expect(await probeAsync(board, 'tryit()')).toBe(-0x2700);
    const now = new Date();
    await board.probe(`machine.RTC().datetime((${now.getUTCFullYear()}, ${now.getUTCMonth() + 1}, ${now.getUTCDate()}, 0, ${now.getUTCHours()}, ${now.getUTCMinutes()}, ${now.getUTCSeconds()}, 0))`);
    expect(await probeAsync(board, 'tryit()')).toBe('ok');
  });
});
