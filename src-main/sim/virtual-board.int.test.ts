import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeTestBoards, createTestBoard } from './test-boards.js';
import { VirtualBoard } from './virtual-board.js';
import { openStateDir } from './state-dir.js';

afterEach(closeTestBoards);

describe('virtual board: boot and flash', () => {
  it('boots boot.py then main.py from flash and prints to its serial console', async () => {
    const board = createTestBoard({
      files: {
        'boot.py': 'print("boot.py ran")\n',
        'main.py': 'import os\nprint("main.py ran; files:", sorted(os.listdir("/")))\n',
      },
    });
    const printed = board.waitForSerial(/main\.py ran; files: \['boot\.py', 'main\.py'\]/);
    await board.powerOn();
    const out = await printed;
    expect(out.indexOf('boot.py ran')).toBeGreaterThan(-1);
    expect(out.indexOf('boot.py ran')).toBeLessThan(out.indexOf('main.py ran'));
    expect(fs.readFileSync(board.state.serialLog, 'utf8')).toContain('main.py ran');
  });

  it('runs main.py only when boot.py succeeded, and prints the traceback', async () => {
    const board = createTestBoard({ files: { 'boot.py': 'raise ValueError("bad boot")\n', 'main.py': 'print("main ran")\n' } });
    const printed = board.waitForSerial(/ValueError: bad boot/);
    await board.powerOn();
    await printed;
    await new Promise((r) => setTimeout(r, 200));
    expect(fs.readFileSync(board.state.serialLog, 'utf8')).not.toContain('main ran');
  });

  it('keeps files written by the board across a reset and a host restart', async () => {
    const board = createTestBoard({
      files: {
        'main.py': [
          'import os, machine',
          'n = int(open("count.txt").read()) if "count.txt" in os.listdir() else 0',
          'print("count", n)',
          'open("count.txt", "w").write(str(n + 1))',
          'if n == 0: machine.reset()',
        ].join('\n'),
      },
    });
    const second = board.waitForSerial(/count 1/);
    await board.powerOn();
    await second;
    await board.close();
    // A new host object on the same state directory: the flash survived.
    const again = new VirtualBoard({ state: openStateDir(board.state.root, { id: board.id }), serialLog: false });
    try {
      const third = again.waitForSerial(/count 2/);
      await again.powerOn();
      await third;
      expect(fs.readFileSync(path.join(board.state.flashDir, 'count.txt'), 'utf8')).toBe('3');
    } finally {
      await again.close();
    }
  });

  it('reports file errors with the errno values of MicroPython on ESP32', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    expect(await board.probe('__import__("errno").ENOENT')).toBe('2');
    await board.probe('import os, errno\ntry:\n  os.stat("/nope")\nexcept OSError as e:\n  err = e.errno');
    expect(await board.probe('err == errno.ENOENT')).toBe('True');
    await board.probe('os.mkdir("/d")\ntry:\n  os.mkdir("/d")\nexcept OSError as e:\n  err = e.errno');
    expect(await board.probe('err == errno.EEXIST')).toBe('True');
  });

  it('renames with absolute and relative paths, from any working directory', async () => {
    const board = createTestBoard({ runBootFiles: false });
    await board.powerOn();
    await board.probe('import os\nos.mkdir("/sub")\nopen("/a.tmp", "w").write("A")\nos.rename("/a.tmp", "/a.txt")');
    await board.probe('os.chdir("/sub")\nos.rename("/a.txt", "/sub/b.txt")\nos.rename("b.txt", "c.txt")');
    expect(await board.probeJson('(os.listdir("/"), os.listdir("/sub"), open("/sub/c.txt").read())')).toEqual([['sub'], ['c.txt'], 'A']);
  });
});
