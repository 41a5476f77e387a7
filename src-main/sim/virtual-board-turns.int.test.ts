// The enforced heap across host turns: the wasm build collects garbage only when a call from
// JavaScript returns (docs/virtual-board.md, "Heap"), and its asyncio loop runs every ready task in
// one such call. A burst of socket data must not run the firmware out of heap for that reason, and
// an exception that ends the loop must be reported, not wedge the interpreter.
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WIFI_UP, closeTestBoards, createTestBoard, probeAsync } from './test-boards.js';

afterEach(closeTestBoards);

describe('virtual board: the enforced heap across host turns', () => {
  let server: net.Server;
  let port: number;
  const payload = randomBytes(1_500_000);
  beforeAll(async () => {
    server = net.createServer((sock) => sock.end(payload));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads a 1.5 MB burst that makes garbage on every read, without MemoryError', async () => {
    // Each read leaves 1.4 KB of garbage (the copy), as a protocol parser's slices do. With the
    // data queued, no read waits, so without a turn break the whole burst is one host call.
    const board = createTestBoard({ enforceHeap: true, runBootFiles: false, files: { 'burst.py': `${WIFI_UP}
async def burst(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    buf = bytearray(1400)
    got = 0
    while True:
        n = await r.readinto(buf)
        if not n:
            break
        got += len(bytes(buf[:n]))
    await w.wait_closed()
    return got
` } });
    await board.powerOn();
    await board.probe('from burst import *');
    await probeAsync(board, 'wifi_up()');
    expect(await probeAsync(board, `burst(${port})`, 30_000)).toBe(payload.length);
  }, 60_000);

  it('prints a MemoryError that ends the asyncio loop; the interpreter still answers, no panic', async () => {
    // The loop's exception handler fills the heap with this turn's garbage: the MemoryError leaves
    // the loop into the host with no heap left to describe it (the wasm build then spun forever).
    const board = createTestBoard({ enforceHeap: true, files: { 'main.py': [
      'import asyncio',
      'def handler(loop, context):',
      '    while True:',
      '        junk = bytearray(256)',
      'async def fail():',
      '    raise ValueError("boom")',
      'async def main():',
      '    asyncio.create_task(fail())  # nobody awaits it: its exception goes to the handler',
      '    await asyncio.sleep(60)',
      'asyncio.get_event_loop().set_exception_handler(handler)',
      'asyncio.run(main())',
    ].join('\n') } });
    const printed = board.waitForSerial(/MemoryError/);
    await board.powerOn();
    await printed;
    expect(await board.probe('1 + 1', 2000)).toBe('2');
    expect(board.bootCount).toBe(1); // not rebooted as after a panic
  });
});
