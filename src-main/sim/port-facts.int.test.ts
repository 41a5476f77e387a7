// The virtual board against the ESP32 port's own facts (issue 10, point 6): what firmware reads
// from sys and os, the module list, where asyncio comes from, esp32 and socket. The expected values
// are those of the stubs generated from real ESP32 firmware (../shared/esp32-stubs) and the docs.
// One board per MicroPython release, shared by the tests of this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppImage } from './firmware-image-builder.js';
import { closeTestBoards, createTestBoard } from './test-boards.js';
import type { VirtualBoard } from './virtual-board.js';

let v127: VirtualBoard;
let v122: VirtualBoard;

beforeAll(async () => {
  v127 = createTestBoard({ id: 'facts-127', runBootFiles: false, files: { 'lib/a.txt': 'x'.repeat(1234), 'lib/sub/b.py': '', 'lib/itertools.py': 'import time\nMINE = True\n' } });
  v122 = createTestBoard({
    id: 'facts-122', runBootFiles: false,
    // A stock 1.22 build: the app descriptor says nothing, the release is in the code.
    initialImage: () => buildAppImage({ version: '', projectName: '', micropython: 'v1.22.0', totalSize: 100_000 }),
  });
  await Promise.all([v127.powerOn(), v122.powerOn()]);
});
afterAll(closeTestBoards);

describe('sys and os as the ESP32 port reports them', () => {
  it('sys: platform esp32, implementation per release', async () => {
    await v127.probe('import sys');
    expect(await v127.probeJson('sys.platform')).toBe('esp32');
    expect(await v127.probe('sys.implementation')).toBe(
      "(name='micropython', version=(1, 27, 0, ''), _machine='Generic ESP32 module with ESP32', _mpy=11014, _build='ESP32_GENERIC', _thread='GIL')",
    );
    expect(await v127.probeJson('sys.version.startswith("3.4.0; MicroPython v1.27.0 on ")')).toBe(true);
    await v122.probe('import sys');
    expect(await v122.probeJson('[sys.platform, sys.implementation.version, sys.implementation._mpy, hasattr(sys.implementation, "_build")]'))
      .toEqual(['esp32', [1, 22, 0, ''], 10758, false]);
    // The real sys behind it: path is the import path, platform cannot be assigned.
    expect(await v127.probeJson('sys.path is __import__("sys").path and sys.modules["sys"] is sys')).toBe(true);
    await expect(v127.probe('sys.platform = "x"')).rejects.toThrow(/AttributeError/);
  });

  it('os: uname as the port, ilistdir gives (name, type, inode, size), no os.path or os.sep', async () => {
    await v127.probe('import os');
    expect(await v127.probeJson('[os.uname().sysname, os.uname().machine, os.uname().release, os.uname().version.startswith("v1.27.0 on ")]'))
      .toEqual(['esp32', 'Generic ESP32 module with ESP32', '1.27.0', true]);
    expect(await v127.probeJson('sorted(e for e in os.ilistdir("/lib") if e[0] != "itertools.py")')).toEqual([['a.txt', 0x8000, 0, 1234], ['sub', 0x4000, 0, 0]]);
    expect(await v127.probeJson('[e[3] for e in os.ilistdir("lib/sub")]')).toEqual([0]);
    expect(await v127.probeJson('[hasattr(os, "path"), hasattr(os, "sep")]')).toEqual([false, false]);
  });
});

/** The exception a statement raises on the board, or 'ok'. */
async function outcome(board: VirtualBoard, code: string): Promise<string> {
  try {
    await board.probe(code);
    return 'ok';
  } catch (err) {
    return /(\w+Error: .*)$/m.exec((err as Error).message)?.[1] ?? (err as Error).message;
  }
}

/** Runs each statement on the board and checks what it raised ('ok': nothing). */
async function expectOutcomes(board: VirtualBoard, cases: Array<[code: string, expected: string | RegExp]>): Promise<void> {
  for (const [code, expected] of cases) {
    const got = await outcome(board, code);
    if (typeof expected === 'string') expect(got, code).toBe(expected);
    else expect(got, code).toMatch(expected);
  }
}

const noModule = (name: string) => `ImportError: no module named '${name}'`;

describe('the module list of the ESP32 port', () => {
  it("the wasm build's extras do not exist; a file on the board provides them, as on the port", async () => {
    await expectOutcomes(v127, [
      ...['functools', 'datetime', 'js', 'jsffi', 'os.path', 'logging'].map((m): [string, string] => [`import ${m}`, noModule(m)]),
      ['import collections\ncollections.defaultdict', /AttributeError/],
      ['import binascii\nbinascii.a2b_hex', /AttributeError/],
      ['import umachine, usys, uos', 'ok'],
      ['import vfs', 'ok'], // since 1.23
      ['import ussl', noModule('ussl')], // ssl is a Python module since 1.23: no u-alias
    ]);
    await expectOutcomes(v122, [['import vfs', noModule('vfs')], ['import ussl', 'ok']]);
    // socket: TCP_NODELAY and recv flags (MSG_PEEK, MSG_DONTWAIT) since 1.23.
    const socketNames = '[hasattr(socket, n) for n in ("TCP_NODELAY", "MSG_PEEK", "MSG_DONTWAIT", "SO_REUSEADDR", "getaddrinfo")]';
    await v127.probe('import socket');
    await v122.probe('import socket');
    expect(await v127.probeJson(socketNames)).toEqual([true, true, true, true, true]);
    expect(await v122.probeJson(socketNames)).toEqual([false, false, false, true, true]);
    expect(await outcome(v122, 'socket.socket().recv(1, 1)')).toMatch(/TypeError/);
    await v127.probe('import itertools');
    expect(await v127.probeJson('itertools.MINE')).toBe(true);
  });

  it('asyncio (and ssl since 1.23) come from .frozen: without it they cannot be imported', async () => {
    for (const board of [v127, v122]) await board.probe('import sys\nsys.path.remove(".frozen")');
    await expectOutcomes(v127, [['import asyncio', noModule('asyncio')], ['import ssl', noModule('ssl')]]);
    await expectOutcomes(v122, [['import asyncio', noModule('asyncio')], ['import uasyncio', noModule('uasyncio')], ['import ssl', 'ok']]);
    await v127.probe('sys.path.insert(1, ".frozen")\nimport asyncio, ssl');
    expect(await v127.probeJson('[callable(asyncio.open_connection), hasattr(asyncio, "js"), hasattr(ssl, "SSLContext")]')).toEqual([true, false, true]);
  });
});

const NOT_FOUND = "OSError: (-4354, 'ESP_ERR_NVS_NOT_FOUND')";

describe('esp32 as on the original ESP32', () => {
  it('has the port names per release, no mcu_temperature; idf_heap_info, raw_temperature, wake sources', async () => {
    await v127.probe('import esp32, machine');
    await v122.probe('import esp32');
    const names = ['NVS', 'Partition', 'idf_heap_info', 'raw_temperature', 'wake_on_touch', 'wake_on_ext0', 'wake_on_ext1', 'wake_on_ulp', 'gpio_deep_sleep_hold', 'HEAP_DATA', 'HEAP_EXEC', 'WAKEUP_ALL_LOW', 'WAKEUP_ANY_HIGH'];
    const has = (extra: string[]) => `[hasattr(esp32, n) for n in ${JSON.stringify([...names, ...extra])}]`;
    expect(await v127.probeJson(has(['wake_on_gpio', 'mcu_temperature']))).toEqual([...names.map(() => true), true, false]);
    expect(await v122.probeJson(has(['wake_on_gpio', 'mcu_temperature']))).toEqual([...names.map(() => true), false, false]);
    expect(await v127.probeJson('[esp32.HEAP_DATA, esp32.HEAP_EXEC, esp32.WAKEUP_ALL_LOW, esp32.WAKEUP_ANY_HIGH]')).toEqual([4, 1, false, true]);
    const data = await v127.probeJson<number[][]>('esp32.idf_heap_info(esp32.HEAP_DATA)');
    expect(data.length).toBeGreaterThan(1);
    for (const region of data) expect(region).toHaveLength(4);
    expect(await v127.probeJson('len(esp32.idf_heap_info(esp32.HEAP_EXEC))')).toBe(1);
    expect(await v127.probeJson('isinstance(esp32.raw_temperature(), int)')).toBe(true);
    await expectOutcomes(v127, [
      ['esp32.wake_on_ext0(machine.Pin(5), esp32.WAKEUP_ANY_HIGH)', 'ValueError: invalid pin'], // not an RTC GPIO
      ['esp32.wake_on_ext0(5, 1)', 'ValueError: expecting a pin'],
      ['esp32.wake_on_ext0(machine.Pin(4), esp32.WAKEUP_ANY_HIGH)', 'ok'],
      ['esp32.wake_on_touch(True)', 'ValueError: no resources'], // ext0 holds the wake path
      ['esp32.wake_on_ext0(None)\nesp32.wake_on_touch(True)\nesp32.wake_on_ext1([machine.Pin(32), machine.Pin(33)], esp32.WAKEUP_ALL_LOW)', 'ok'],
    ]);
  });

  it('NVS: typed keys, the port errors, committed values survive a reset and uncommitted ones do not', async () => {
    await v127.probe('n = esp32.NVS("app")\nn.set_i32("boots", 7)\nn.set_blob("cfg", b"abc")\nn.commit()\nn.set_i32("late", 1)');
    expect(await v127.probeJson('[n.get_i32("boots"), n.get_i32("late")]')).toEqual([7, 1]);
    await expectOutcomes(v127, [
      ['n.get_blob("boots", bytearray(4))', NOT_FOUND], // looked up with its type
      ['n.get_blob("cfg", bytearray(2))', "OSError: (-4364, 'ESP_ERR_NVS_INVALID_LENGTH')"],
      ['n.set_i32("a_key_of_16_char", 1)', "OSError: (-4361, 'ESP_ERR_NVS_KEY_TOO_LONG')"],
      ['n.set_i32("big", 1 << 31)', /OverflowError/],
    ]);
    const rebooted = new Promise((resolve) => v127.once('boot', resolve));
    await v127.probe('machine.reset()').catch(() => undefined);
    await rebooted;
    await v127.probe('import esp32\nn = esp32.NVS("app")');
    expect(await v127.probeJson('n.get_i32("boots")')).toBe(7);
    await v127.probe('b = bytearray(8)\nk = n.get_blob("cfg", b)');
    expect(await v127.probeJson('bytes(b[:k]).decode()')).toBe('abc');
    await expectOutcomes(v127, [
      ['n.get_i32("late")', NOT_FOUND],
      ['n.erase_key("boots")\nn.commit()\nesp32.NVS("app").get_i32("boots")', NOT_FOUND],
    ]);
  });
});
