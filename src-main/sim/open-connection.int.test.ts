// asyncio.open_connection as on the ESP32 port (extmod/asyncio/stream.py, 1.22 to 1.27): the name
// is resolved by a blocking getaddrinfo (every task waits), and a connect cancelled by a wait_for
// timeout leaves its socket open until the GC finalises it (issue 15, point 8).
import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WIFI_UP, closeTestBoards, createTestBoard, probeAsync } from './test-boards.js';
import type { VirtualBoard, VirtualBoardOptions } from './virtual-board.js';

const HELPERS = `${WIFI_UP}
import asyncio, socket, gc, time
gaps = [0]
async def ticker():
    last = time.ticks_ms()
    while True:
        await asyncio.sleep_ms(10)
        now = time.ticks_ms()
        gaps[0] = max(gaps[0], time.ticks_diff(now, last))
        last = now
async def connect_gap(host, port):
    # The longest time another task waited for its turn while open_connection ran.
    t = asyncio.create_task(ticker())
    await asyncio.sleep_ms(50)
    gaps[0] = 0
    r, w = await asyncio.open_connection(host, port)
    await asyncio.sleep_ms(30)
    t.cancel()
    await w.wait_closed()
    return [gaps[0], socket._lookups[0]]
async def timeouts(port, n):
    out = []
    for i in range(n):
        try:
            await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 0.2)
            out.append("open")
        except asyncio.TimeoutError:
            out.append("timeout")
        except OSError as e:
            out.append(e.errno)
    return out
async def opens(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    await w.wait_closed()
    return True
`;

let server: net.Server;
let port = 0;
beforeAll(async () => {
  server = net.createServer((sock) => sock.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(closeTestBoards);

async function boot(dns?: VirtualBoardOptions['dns']): Promise<VirtualBoard> {
  const board = createTestBoard({ runBootFiles: false, files: { 'nettest.py': HELPERS }, ...(dns && { dns }) });
  await board.powerOn();
  await board.probe('from nettest import *');
  await probeAsync(board, 'wifi_up()');
  return board;
}

describe('virtual board: open_connection as the ESP32 port', () => {
  it('resolves a name with a getaddrinfo that blocks every task for the lookup; an IP literal is not looked up', async () => {
    const board = await boot({ names: { 'broker.test': '127.0.0.1' }, lookupMs: 400 });
    const [literalGap, literalLookups] = await probeAsync<number[]>(board, `connect_gap("127.0.0.1", ${port})`);
    expect(literalLookups).toBe(0);
    expect(literalGap).toBeLessThan(200);
    const [nameGap, nameLookups] = await probeAsync<number[]>(board, `connect_gap("broker.test", ${port})`);
    expect(nameLookups).toBe(1);
    expect(nameGap).toBeGreaterThanOrEqual(390); // the ticker could not run during the lookup
    expect(await board.probeJson('socket.getaddrinfo("broker.test", 1883)[0][-1]')).toEqual(['127.0.0.1', 1883]);
    await expect(board.probe('socket.getaddrinfo("unknown.test", 1883)')).rejects.toThrow(/-202/);
  }, 30_000);

  it('a connect cancelled by wait_for keeps its socket until gc.collect(): the 11th attempt finds lwIP full', async () => {
    const board = await boot();
    board.setNetworkFaults({ blackhole: true }); // connects never complete
    const results = await probeAsync<(string | number)[]>(board, `timeouts(${port}, 12)`, 20_000);
    expect(results).toEqual([...Array<string>(10).fill('timeout'), 23, 23]); // ENFILE: the 10 sockets leaked
    board.setNetworkFaults({ blackhole: false });
    expect(await probeAsync(board, `timeouts(${port}, 1)`)).toEqual([23]); // still leaked
    await board.probe('gc.collect()'); // the finaliser closes the unreachable sockets
    expect(await probeAsync(board, `opens(${port})`)).toBe(true);
  }, 30_000);
});
