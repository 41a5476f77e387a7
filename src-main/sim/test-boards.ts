// Test helpers: virtual boards in temporary state directories, switched off after each test.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { factoryFirmware } from './factory-firmware.js';
import { openStateDir } from './state-dir.js';
import type { VirtualBoardOptions } from './virtual-board.js';
import { VirtualBoard } from './virtual-board.js';

export interface TestBoardOptions extends Omit<VirtualBoardOptions, 'state'> {
  id?: string;
  /** Files to put on the flash before the first boot: path → contents. */
  files?: Record<string, string | Uint8Array>;
  root?: string;
  /** The app image in ota_0 of a new board (default: the factory MicroPython 1.27 image). */
  initialImage?: () => Uint8Array;
}

const live = new Set<VirtualBoard>();

const tempDirs = new Set<string>();

/** A temporary directory, removed by removeTempDirs() (after each integration test file). */
export function makeTempDir(prefix = 'mqboard-sim-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export function createTestBoard(opts: TestBoardOptions = {}): VirtualBoard {
  const root = opts.root ?? path.join(makeTempDir(), 'board');
  const state = openStateDir(root, { id: opts.id ?? 'test-board', initialImage: opts.initialImage ?? factoryFirmware });
  for (const [file, contents] of Object.entries(opts.files ?? {})) {
    const target = path.join(state.flashDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, contents);
  }
  // Tests are about the firmware, not the radio: the join is quick unless a test asks for 'esp32'.
  const board = new VirtualBoard({ radio: 'instant', ...opts, state });
  live.add(board);
  return board;
}

export async function closeTestBoards(): Promise<void> {
  await Promise.all([...live].map((b) => b.close()));
  live.clear();
}

/**
 * Runs an awaitable Python expression on the board as an asyncio task and resolves with its
 * JSON-serialisable result; a Python exception rejects with `repr(e)` and its errno.
 */
export async function probeAsync<T = unknown>(board: VirtualBoard, expr: string, timeoutMs = 10_000): Promise<T> {
  const slot = `_probe_${Math.random().toString(36).slice(2, 10)}`;
  await board.probe(
    [
      'import asyncio',
      `${slot} = None`,
      `async def ${slot}_run():`,
      `    global ${slot}`,
      '    try:',
      `        ${slot} = ["ok", await (${expr})]`,
      '    except BaseException as e:',
      `        ${slot} = ["err", repr(e), getattr(e, "errno", None)]`,
      `asyncio.create_task(${slot}_run())`,
    ].join('\n'),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await board.probeJson<[string, T] | [string, string, number | null] | null>(slot);
    if (r) {
      if (r[0] === 'ok') return r[1] as T;
      throw Object.assign(new Error(String(r[1])), { errno: r[2] });
    }
    if (Date.now() > deadline) throw new Error(`board ${board.id}: ${expr} did not finish within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Python for flash: joins the simulated Wi-Fi and waits for an address. */
export const WIFI_UP = `
import network, asyncio
async def wifi_up(ssid="mqboard-sim", key="virtual-board"):
    w = network.WLAN(network.STA_IF)
    w.active(True)
    w.connect(ssid, key)
    for _ in range(100):
        if w.isconnected():
            return w.ifconfig()[0]
        await asyncio.sleep_ms(20)
    return w.status()
`;
