// The persistent state of one virtual board, as a directory on the host:
//   board.json        identity (id, unique id) — written once
//   flash/            the flash file system the firmware sees at /
//   partitions/       ota_0.bin, ota_1.bin: the OTA app partitions (unwritten bytes read as 0xFF)
//   otadata.json      which app boots next and its rollback state
//   rtc.bin           RTC memory: survives resets, cleared by a power cycle
//   serial.log        everything the board printed on its serial console
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OTA_SLOTS } from './ota-state.js';

/** The slot sizes depend on the board's partition table; no app slot exceeds the 16 MiB flash an ESP32 maps. */
const MAX_APP_PARTITION_SIZE = 16 * 1024 * 1024;

export interface BoardIdentity {
  kind: 'mqboard-virtual-board';
  id: string;
  uniqueIdHex: string;
  createdAt: string;
}

export interface StateDir {
  root: string;
  identity: BoardIdentity;
  flashDir: string;
  partitionDir: string;
  otadataFile: string;
  rtcFile: string;
  serialLog: string;
}

export class StateDirError extends Error {}

function layout(root: string, identity: BoardIdentity): StateDir {
  return {
    root, identity,
    flashDir: path.join(root, 'flash'),
    partitionDir: path.join(root, 'partitions'),
    otadataFile: path.join(root, 'otadata.json'),
    rtcFile: path.join(root, 'rtc.bin'),
    serialLog: path.join(root, 'serial.log'),
  };
}

function readIdentity(file: string): BoardIdentity {
  let parsed: Partial<BoardIdentity>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<BoardIdentity>;
  } catch (err) {
    throw new StateDirError(`${file} is not a readable virtual board identity: ${(err as Error).message}`);
  }
  if (parsed.kind !== 'mqboard-virtual-board' || typeof parsed.id !== 'string' || !/^[0-9a-f]{12}$/.test(parsed.uniqueIdHex ?? '')) {
    throw new StateDirError(`${file} is not a virtual board identity (missing kind, id or unique id)`);
  }
  return parsed as BoardIdentity;
}

/**
 * Opens a board's state directory, creating it (with `initialImage` in ota_0) when it does not
 * exist. A directory that exists but is not a board's (or is damaged) is refused, never altered.
 */
export function openStateDir(root: string, opts: { id: string; initialImage?: () => Uint8Array }): StateDir {
  const identityFile = path.join(root, 'board.json');
  if (fs.existsSync(root)) {
    if (!fs.statSync(root).isDirectory()) throw new StateDirError(`${root} exists and is not a directory`);
    const entries = fs.readdirSync(root);
    if (entries.length > 0) {
      if (!entries.includes('board.json')) throw new StateDirError(`${root} is not empty and is not a virtual board state directory (no board.json)`);
      const identity = readIdentity(identityFile);
      if (identity.id !== opts.id) throw new StateDirError(`${root} belongs to board "${identity.id}", not "${opts.id}"`);
      const dir = layout(root, identity);
      checkLayout(dir);
      ensurePartitionFiles(dir);
      return dir;
    }
  }
  const identity: BoardIdentity = {
    kind: 'mqboard-virtual-board', id: opts.id, uniqueIdHex: randomBytes(6).toString('hex'), createdAt: new Date().toISOString(),
  };
  const dir = layout(root, identity);
  fs.mkdirSync(dir.flashDir, { recursive: true });
  fs.mkdirSync(dir.partitionDir, { recursive: true });
  if (opts.initialImage) fs.writeFileSync(path.join(dir.partitionDir, 'ota_0.bin'), opts.initialImage());
  ensurePartitionFiles(dir);
  fs.writeFileSync(identityFile, JSON.stringify(identity, null, 2));
  return dir;
}

function checkLayout(dir: StateDir): void {
  for (const sub of [dir.flashDir, dir.partitionDir]) {
    if (!fs.existsSync(sub) || !fs.statSync(sub).isDirectory()) throw new StateDirError(`${sub} is missing: the state directory is damaged`);
  }
  for (const slot of OTA_SLOTS) {
    const file = path.join(dir.partitionDir, `${slot}.bin`);
    if (!fs.existsSync(file)) continue;
    const st = fs.statSync(file);
    if (!st.isFile()) throw new StateDirError(`${file} is not a file`);
    if (st.size > MAX_APP_PARTITION_SIZE) {
      throw new StateDirError(`${file} is ${st.size} bytes, larger than any app partition (${MAX_APP_PARTITION_SIZE} bytes)`);
    }
  }
}

/** A never-written partition is an empty file: its bytes read as erased flash (0xFF). */
function ensurePartitionFiles(dir: StateDir): void {
  for (const slot of OTA_SLOTS) {
    const file = path.join(dir.partitionDir, `${slot}.bin`);
    if (!fs.existsSync(file)) fs.writeFileSync(file, new Uint8Array(0));
  }
}
