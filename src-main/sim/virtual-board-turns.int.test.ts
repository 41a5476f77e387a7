// The enforced heap across host turns: the wasm build collects garbage only when a call from
// JavaScript returns (docs/virtual-board.md, "Heap"), and its asyncio loop runs every ready task in
// one such call. A burst of socket data must not run the firmware out of heap for that reason, and
// an exception that ends the loop must be reported, not wedge the interpreter.
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getTestCa } from '../testing/test-ca.js';
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

  // Each read leaves 1.4 KB of garbage (the copy), as a protocol parser's slices do. With the data
  // queued, no read waits, so without a turn break the whole burst is one host call. raw: read
  // Stream.s as the firmware's MQTT reader does (it never yields while data is there: once the
  // turn is spent it reads as not ready yet, and the wait in the stream ends the turn).
  const BURST = `${WIFI_UP}
async def burst(port, raw):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    buf = bytearray(1400)
    got = 0
    while True:
        n = r.s.readinto(buf) if raw else None
        if n is None:
            n = await r.readinto(buf)
        if not n:
            break
        got += len(bytes(buf[:n]))
    await w.wait_closed()
    return got
`;
  it.each([['through the stream', 'False'], ['from the raw socket', 'True']])('reads a 1.5 MB burst %s with garbage on every read, without MemoryError', async (_how, raw) => {
    const board = createTestBoard({ enforceHeap: true, runBootFiles: false, files: { 'burst.py': BURST } });
    await board.powerOn();
    await board.probe('from burst import *');
    await probeAsync(board, 'wifi_up()');
    expect(await probeAsync(board, `burst(${port}, ${raw})`, 30_000)).toBe(payload.length);
  }, 60_000);

  it('ends a spent turn at sleep_ms(0): a task yielding that way gets its garbage collected', async () => {
    const board = createTestBoard({ enforceHeap: true, runBootFiles: false });
    await board.powerOn();
    await board.probe('import asyncio\nasync def churn():\n    for _ in range(1000):\n        junk = bytes(1000)\n        await asyncio.sleep_ms(0)\n    return "done"');
    expect(await probeAsync(board, 'churn()')).toBe('done'); // 1 MB of garbage, 110 KB of heap
  });

  it('fills erased flash and loads a CA certificate within one call without running out of heap', async () => {
    const board = createTestBoard({ enforceHeap: true, runBootFiles: false, files: { 'ca.der': (await getTestCa()).ca.certDer } });
    await board.powerOn();
    // 299 erased blocks in front of the one written (the slices of 0xFF were copies), and a DER
    // certificate handed to the host (its base64 by the wasm build's Python binascii).
    await board.probe('from esp32 import Partition\nPartition("ota_1").writeblocks(300, b"\\x00" * 4096)');
    expect(await board.probeJson('list(Partition("ota_1").info()[2:4])')).toEqual([0x190000, 0x180000]);
    await board.probe('import ssl\nc = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\nc.load_verify_locations(cadata=open("ca.der", "rb").read())');
  });

  it('prints a MemoryError that ends the asyncio loop; the interpreter still answers, no panic', async () => {
    // The loop's exception handler fills the heap with what it keeps: the MemoryError leaves the
    // loop into the host with no heap left to describe it (the wasm build then spun forever).
    const board = createTestBoard({ enforceHeap: true, files: { 'main.py': [
      'import asyncio',
      'def handler(loop, context):',
      '    kept = []',
      '    while True:',
      '        kept.append(bytearray(256))',
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
