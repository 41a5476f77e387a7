// Test helpers: virtual boards in temporary state directories, switched off after each test.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildAppImage } from './firmware-image-builder.js';
import { openStateDir } from './state-dir.js';
import type { VirtualBoardOptions } from './virtual-board.js';
import { VirtualBoard } from './virtual-board.js';

let factoryImage: Buffer | undefined;
/** The image a fresh board ships with in ota_0 (built once per process). */
export function factoryFirmware(): Buffer {
  factoryImage ??= buildAppImage({ version: 'v1.27.0', projectName: 'micropython', totalSize: 256 * 1024 });
  return factoryImage;
}

export interface TestBoardOptions extends Omit<VirtualBoardOptions, 'state'> {
  id?: string;
  /** Files to put on the flash before the first boot: path → contents. */
  files?: Record<string, string | Uint8Array>;
  root?: string;
}

const live = new Set<VirtualBoard>();

export function makeTempDir(prefix = 'mqboard-sim-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function createTestBoard(opts: TestBoardOptions = {}): VirtualBoard {
  const root = opts.root ?? path.join(makeTempDir(), 'board');
  const state = openStateDir(root, { id: opts.id ?? 'test-board', initialImage: factoryFirmware });
  for (const [file, contents] of Object.entries(opts.files ?? {})) {
    const target = path.join(state.flashDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, contents);
  }
  const board = new VirtualBoard({ ...opts, state });
  live.add(board);
  return board;
}

export async function closeTestBoards(): Promise<void> {
  await Promise.all([...live].map((b) => b.close()));
  live.clear();
}
