// The MQTT client's connect attempts on an ESP32 (issue 15, point 8): open_connection resolves the
// name with a getaddrinfo that blocks every task, and a connect cancelled by a timeout leaves its
// socket open until the GC finalises it (extmod/asyncio/stream.py; the virtual board does both).
import { afterEach, describe, expect, it } from 'vitest';
import { BROKER_KINDS, startTestBroker } from '../../src-main/testing/brokers.js';
import type { VirtualBoardOptions } from '../../src-main/sim/virtual-board.js';
import { WIFI_UP, closeTestBoards, createTestBoard, probeAsync } from '../../src-main/sim/test-boards.js';
import { until } from './firmware-harness.js';
import { MQTT_LIB, boardFiles } from './board-files.js';

afterEach(closeTestBoards);

async function clientBoard(host: string, port: number, dns?: VirtualBoardOptions['dns']) {
  const board = createTestBoard({ runBootFiles: false, files: { ...boardFiles(MQTT_LIB), 'wifi.py': WIFI_UP }, ...(dns && { dns }) });
  await board.powerOn();
  await board.probe('import sys\nsys.path.append("/lib")\nfrom wifi import *\nimport mqb_mqtt, asyncio, socket');
  await probeAsync(board, 'wifi_up()');
  await board.probe(`c = mqb_mqtt.MQTTClient(${JSON.stringify(host)}, ${port}, "connect-test", user="dev", password="secret", keepalive=30)`);
  return board;
}

describe.each(BROKER_KINDS)('firmware connect attempts (%s)', (kind) => {
  it('connects after 14 timed-out connects, more than lwIP has sockets', async () => {
    const broker = await startTestBroker(kind, { users: { dev: 'secret' } });
    try {
      const board = await clientBoard('127.0.0.1', broker.port);
      await board.probe([
        'c.connect_timeout = 0.3',
        'async def attempts(n):',
        '    out = []',
        '    for i in range(n):',
        '        try:',
        '            await c._connect()',
        '            out.append("up")',
        '        except asyncio.TimeoutError:',
        '            out.append("timeout")',
        '        except OSError as e:',
        '            out.append(e.errno)',
        '    return out',
      ].join('\n'));
      board.setNetworkFaults({ blackhole: true }); // the broker never answers the SYN
      expect(await probeAsync(board, 'attempts(14)', 30_000)).toEqual(Array<string>(14).fill('timeout'));
      board.setNetworkFaults({ blackhole: false });
      expect(await probeAsync(board, 'attempts(1)', 10_000)).toEqual(['up']); // not ENFILE (23)
      expect(await board.probeJson('c.connected')).toBe(true);
    } finally {
      await broker.close();
    }
  }, 60_000);

  it('looks the broker name up once, not on every reconnect (each lookup stops every task)', async () => {
    const broker = await startTestBroker(kind, { users: { dev: 'secret' } });
    try {
      const board = await clientBoard('broker.test', broker.port, { names: { 'broker.test': '127.0.0.1' }, lookupMs: 300 });
      await board.probe('c.start()');
      await probeAsync(board, 'c.wait_connected()');
      for (let i = 2; i <= 4; i++) {
        await board.probe('c._fail(OSError(104))'); // what the reader does when the connection breaks
        await until(`connection ${i}`, () => board.probeJson<boolean>(`c.connects == ${i} and c.connected`), 15_000);
      }
      expect(await board.probeJson('socket._lookups[0]')).toBe(1);
    } finally {
      await broker.close();
    }
  }, 60_000);
});
