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
    initialImage: () => buildAppImage({ version: 'v1.22.0', projectName: 'micropython', totalSize: 100_000 }),
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

describe('the module list of the ESP32 port', () => {
  it("the wasm build's extras do not exist; a file on the board provides them, as on the port", async () => {
    for (const name of ['functools', 'datetime', 'js', 'jsffi', 'os.path', 'logging']) {
      expect(await outcome(v127, `import ${name}`)).toBe(`ImportError: no module named '${name}'`);
    }
    expect(await outcome(v127, 'import collections\ncollections.defaultdict')).toMatch(/AttributeError/);
    expect(await outcome(v127, 'import binascii\nbinascii.a2b_hex')).toMatch(/AttributeError/);
    await v127.probe('import itertools');
    expect(await v127.probeJson('itertools.MINE')).toBe(true);
    // Per release: vfs since 1.23; ssl a built-in (with its u-alias) until 1.22.
    expect(await outcome(v122, 'import vfs')).toBe("ImportError: no module named 'vfs'");
    expect(await outcome(v127, 'import vfs')).toBe('ok');
    expect(await outcome(v122, 'import ussl')).toBe('ok');
    expect(await outcome(v127, 'import ussl')).toBe("ImportError: no module named 'ussl'");
    expect(await outcome(v127, 'import umachine, usys, uos')).toBe('ok');
  });

  it('asyncio (and ssl since 1.23) come from .frozen: without it they cannot be imported', async () => {
    for (const board of [v127, v122]) await board.probe('import sys\nsys.path.remove(".frozen")');
    expect(await outcome(v127, 'import asyncio')).toBe("ImportError: no module named 'asyncio'");
    expect(await outcome(v127, 'import ssl')).toBe("ImportError: no module named 'ssl'");
    expect(await outcome(v122, 'import asyncio')).toBe("ImportError: no module named 'asyncio'");
    expect(await outcome(v122, 'import uasyncio')).toBe("ImportError: no module named 'uasyncio'");
    expect(await outcome(v122, 'import ssl')).toBe('ok');
    await v127.probe('sys.path.insert(1, ".frozen")\nimport asyncio, ssl');
    expect(await v127.probeJson('[callable(asyncio.open_connection), hasattr(asyncio, "js"), hasattr(ssl, "SSLContext")]')).toEqual([true, false, true]);
  });
});
