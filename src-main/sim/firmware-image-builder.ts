// Builds realistic ESP-IDF app images for tests and the virtual board: the same layout
// `esptool elf2image` produces for a MicroPython ESP32 firmware (header, DROM segment with
// esp_app_desc_t, RAM segments, a 64 KB-aligned IROM segment, checksum, appended SHA-256),
// filled with deterministic pseudo-random data so any size can be produced quickly.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  APP_DESC,
  APP_DESC_MAGIC,
  APP_DESC_OFFSET,
  APP_DESC_SIZE,
  CHECKSUM_ALIGN,
  ESP32_CHIP_ID,
  ESP_IMAGE_MAGIC,
  ESP_IMAGE_MAX_SEGMENTS,
  FLASH_MMU_PAGE_SIZE,
  HEADER,
  IMAGE_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  SHA256_SIZE,
  parseAppImage,
} from '../common/firmware-image.js';
import type { AppImageInfo } from '../common/firmware-image.js';
import { MICROPYTHON_BANNER } from './mp-version.js';

export interface BuildAppImageOptions {
  /** Stored in esp_app_desc_t.version (at most 32 bytes), e.g. 'v1.27.0-sim.3'; '' as a stock build. */
  version: string;
  /** Stored in esp_app_desc_t.project_name (default 'micropython'); '' as a stock build. */
  projectName?: string;
  /**
   * The MicroPython release whose code the image holds, e.g. 'v1.22.0': written into the DROM
   * segment (rodata) as the banner string a real firmware carries ("MicroPython v1.22.0 on ...").
   * Stock builds leave the app descriptor's version empty (CONFIG_APP_EXCLUDE_PROJECT_VER_VAR), so
   * the virtual board reads the release from this (mp-version.ts). Default: no banner.
   */
  micropython?: string;
  /** Target image length in bytes (rounded up to 16; at least the minimum for the segment count). */
  totalSize?: number;
  /** Number of segments, 1..16 (default 6, like a MicroPython ESP32 build). */
  segments?: number;
  /** Append a SHA-256 of the image (default true, as ESP-IDF does). */
  hashAppended?: boolean;
  idfVersion?: string;
  time?: string;
  date?: string;
  /** Seed of the pseudo-random segment data (default: derived from version and project name). */
  seed?: number;
  secureVersion?: number;
  /** Header chip id (default 0 = ESP32); other values make images for the wrong chip. */
  chipId?: number;
  entryAddress?: number;
  /** app_elf_sha256 as 64 hex digits (default: derived from the seed). */
  elfSha256?: string;
}

export type ImageCorruption = 'magic' | 'checksum' | 'hash' | 'truncate' | 'app-desc';

type Kind = 'DROM' | 'IROM' | 'DRAM' | 'IRAM' | 'RTC_IRAM' | 'RTC_SLOW';

// Where each kind of segment is loaded, and which share of the data it gets.
const LAYOUT: Record<Kind, { base: number; capacity: number; weight: number; max?: number }> = {
  DROM: { base: 0x3f400020, capacity: 0x3fffe0, weight: 0.2 },
  IROM: { base: 0x400d0020, capacity: 0x32ffe0, weight: 0 },
  DRAM: { base: 0x3ffb0000, capacity: 0x50000, weight: 0.015 },
  IRAM: { base: 0x40080000, capacity: 0x20000, weight: 0.04 },
  RTC_IRAM: { base: 0x400c0000, capacity: 0x2000, weight: 0.0002, max: 0x200 },
  RTC_SLOW: { base: 0x50000000, capacity: 0x2000, weight: 0.0002, max: 0x200 },
};
const EXTRA_KINDS: Kind[] = ['RTC_IRAM', 'RTC_SLOW', 'IRAM', 'DRAM'];

function segmentKinds(n: number): Kind[] {
  if (n === 1) return ['DROM'];
  if (n === 2) return ['DROM', 'IROM'];
  if (n === 3) return ['DROM', 'DRAM', 'IROM'];
  const kinds: Kind[] = ['DROM', 'DRAM', 'IRAM', 'IROM'];
  for (let i = 0; kinds.length < n; i++) kinds.push(EXTRA_KINDS[i % EXTRA_KINDS.length] as Kind);
  return kinds;
}

const floor4 = (x: number): number => Math.floor(x / 4) * 4;
const roundUp16 = (x: number): number => Math.ceil(x / CHECKSUM_ALIGN) * CHECKSUM_ALIGN;

/** FNV-1a of a string: the default seed, so different versions get different data. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Fills [start, end) (both multiples of 4) with a mulberry32 stream. */
function fillPseudoRandom(buf: Buffer, start: number, end: number, state: { s: number }): void {
  for (let i = start; i < end; i += 4) {
    let t = (state.s = (state.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    buf.writeUInt32LE((t ^ (t >>> 14)) >>> 0, i);
  }
}

function writeField(buf: Buffer, offset: number, size: number, value: string, name: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > size) throw new RangeError(`${name} '${value}' is ${bytes.length} bytes; esp_app_desc_t holds ${size}`);
  bytes.copy(buf, offset);
}

/** Builds a valid ESP-IDF app image for an ESP32 (deterministic for the same options). */
export function buildAppImage(opts: BuildAppImageOptions): Buffer {
  const n = opts.segments ?? 6;
  if (!Number.isInteger(n) || n < 1 || n > ESP_IMAGE_MAX_SEGMENTS) {
    throw new RangeError(`segments must be an integer from 1 to ${ESP_IMAGE_MAX_SEGMENTS}, got ${n}`);
  }
  const projectName = opts.projectName ?? 'micropython';
  const hashLen = opts.hashAppended === false ? 0 : SHA256_SIZE;
  // With a banner, the release is part of the identity: two stock images differ only by it.
  const identity = `${projectName}\0${opts.version}${opts.micropython === undefined ? '' : `\0${opts.micropython}`}`;
  const seed = (opts.seed ?? fnv1a(identity)) >>> 0;

  // Sizes: segments end 4 bytes before a 16-byte boundary, so the checksum (after 3 zero
  // bytes of padding) ends the boundary and the total is within 16 bytes of the target.
  const minEnd = IMAGE_HEADER_SIZE + n * SEGMENT_HEADER_SIZE + APP_DESC_SIZE + 4 * (n - 1);
  const imageEnd = Math.max(roundUp16((opts.totalSize ?? 1_500_000) - hashLen), roundUp16(minEnd + 4));
  const data = imageEnd - 4 - IMAGE_HEADER_SIZE - n * SEGMENT_HEADER_SIZE;
  const kinds = segmentKinds(n);
  const next: Partial<Record<Kind, number>> = {};
  const segs = kinds.map((kind) => {
    const l = LAYOUT[kind];
    const address = next[kind] ?? l.base;
    const room = l.capacity - (address - l.base);
    const length = Math.max(kind === 'DROM' ? APP_DESC_SIZE : 4, floor4(Math.min(data * l.weight, l.max ?? room, room)));
    next[kind] = address + length;
    return { kind, address, length };
  });
  const irom = segs.find((s) => s.kind === 'IROM');
  const drom = segs[0] as (typeof segs)[number];
  const others = segs.reduce((sum, s) => sum + (s === irom ? 0 : s.length), 0);
  if (irom) irom.length = Math.max(4, data - others);
  else drom.length += data - others;
  if (irom) {
    // IROM is mapped from flash: its file offset must equal its load address modulo 64 KB.
    // Like esptool, grow what comes before it (here the DROM segment) to get there.
    const index = segs.indexOf(irom);
    const offset = IMAGE_HEADER_SIZE + segs.slice(0, index).reduce((sum, s) => sum + SEGMENT_HEADER_SIZE + s.length, 0) + SEGMENT_HEADER_SIZE;
    const pad = (((irom.address - offset) % FLASH_MMU_PAGE_SIZE) + FLASH_MMU_PAGE_SIZE) % FLASH_MMU_PAGE_SIZE;
    if (irom.length - pad >= 4) {
      drom.length += pad;
      irom.length -= pad;
    } else {
      irom.address = 0x400d0000 + (offset % FLASH_MMU_PAGE_SIZE); // too small to pad: map where it lies
    }
  }

  const end = IMAGE_HEADER_SIZE + segs.reduce((sum, s) => sum + SEGMENT_HEADER_SIZE + s.length, 0);
  const checksumEnd = roundUp16(end + 1);
  const buf = Buffer.alloc(checksumEnd + hashLen);
  buf[HEADER.magic] = ESP_IMAGE_MAGIC;
  buf[HEADER.segmentCount] = n;
  buf[HEADER.spiMode] = 2; // DIO
  buf[HEADER.spiSpeedSize] = 0x20; // 4 MB flash, 40 MHz
  buf.writeUInt32LE(opts.entryAddress ?? 0x40081a6c, HEADER.entryAddress);
  buf[HEADER.wpPin] = 0xee; // WP pin disabled
  buf.writeUInt16LE(opts.chipId ?? ESP32_CHIP_ID, HEADER.chipId);
  buf.writeUInt16LE(399, HEADER.maxChipRevFull); // "v3.99", what ESP-IDF 5 writes for ESP32
  buf[HEADER.hashAppended] = hashLen ? 1 : 0;

  const state = { s: seed };
  let pos = IMAGE_HEADER_SIZE;
  for (const s of segs) {
    buf.writeUInt32LE(s.address, pos);
    buf.writeUInt32LE(s.length, pos + 4);
    pos += SEGMENT_HEADER_SIZE;
    fillPseudoRandom(buf, pos, pos + s.length, state);
    pos += s.length;
  }

  const d = APP_DESC_OFFSET;
  buf.fill(0, d, d + APP_DESC_SIZE);
  buf.writeUInt32LE(APP_DESC_MAGIC, d + APP_DESC.magic);
  buf.writeUInt32LE(opts.secureVersion ?? 0, d + APP_DESC.secureVersion);
  writeField(buf, d + APP_DESC.version, APP_DESC.versionSize, opts.version, 'version');
  writeField(buf, d + APP_DESC.projectName, APP_DESC.projectNameSize, projectName, 'projectName');
  writeField(buf, d + APP_DESC.time, APP_DESC.timeSize, opts.time ?? '12:00:00', 'time');
  writeField(buf, d + APP_DESC.date, APP_DESC.dateSize, opts.date ?? 'Jan  1 2025', 'date');
  writeField(buf, d + APP_DESC.idfVersion, APP_DESC.idfVersionSize, opts.idfVersion ?? 'v5.2.2', 'idfVersion');
  if (opts.micropython !== undefined) writeBanner(buf, drom.length, opts.micropython);
  const elf = opts.elfSha256 ?? createHash('sha256').update(`elf:${identity.replaceAll('\0', ':')}:${seed}`).digest('hex');
  if (!/^[0-9a-f]{64}$/i.test(elf)) throw new RangeError('elfSha256 must be 64 hex digits');
  Buffer.from(elf, 'hex').copy(buf, d + APP_DESC.elfSha256);

  resealAppImage(buf);
  return buf;
}

/** MicroPython's banner (MICROPY_BANNER_NAME_AND_VERSION + board), in rodata after the app descriptor. */
function writeBanner(buf: Buffer, dromLength: number, tag: string): void {
  if (!/^v\d+\.\d+\.\d+\S*$/.test(tag)) throw new RangeError(`micropython must be a release tag such as 'v1.22.0', got '${tag}'`);
  const banner = Buffer.from(`${MICROPYTHON_BANNER}${tag} on 2025-12-10; Generic ESP32 module with ESP32\0`, 'latin1');
  const at = APP_DESC_OFFSET + APP_DESC_SIZE;
  if (APP_DESC_SIZE + banner.length > dromLength) throw new RangeError(`the image is too small for the MicroPython banner (DROM segment ${dromLength} bytes)`);
  banner.copy(buf, at);
}

function parsedForEdit(image: Uint8Array): AppImageInfo & { checksum: NonNullable<AppImageInfo['checksum']> } {
  const info = parseAppImage(image);
  if (!info.checksum) throw new Error(`not a complete app image: ${info.problems[0]?.message ?? 'unknown problem'}`);
  return info as AppImageInfo & { checksum: NonNullable<AppImageInfo['checksum']> };
}

function rehash(image: Buffer, info: AppImageInfo): void {
  if (info.hash) createHash('sha256').update(image.subarray(0, info.hash.offset)).digest().copy(image, info.hash.offset);
}

/** Recomputes the checksum byte and the appended SHA-256 in place (after editing an image). */
export function resealAppImage(image: Buffer): Buffer {
  const info = parsedForEdit(image);
  image[info.checksum.offset] = info.checksum.computed;
  rehash(image, info);
  return image;
}

/**
 * Returns a copy of a valid image with exactly one defect of the given kind:
 * 'magic' (first byte), 'checksum' (a data byte flipped, hash re-sealed), 'hash' (two data
 * bytes swapped: the checksum still matches, only the SHA-256 catches it), 'truncate' (cut in
 * the middle of the largest segment) or 'app-desc' (magic word cleared, checksum and hash re-sealed).
 */
export function corruptImage(image: Uint8Array, kind: ImageCorruption): Buffer {
  const out = Buffer.from(image);
  const info = parsedForEdit(out);
  const largest = info.segments.reduce((a, b) => (b.length > a.length ? b : a));
  const mid = largest.offset + Math.floor(largest.length / 2);
  switch (kind) {
    case 'magic':
      out[0] = 0x00;
      return out;
    case 'checksum':
      out[mid] = (out[mid] ?? 0) ^ 0x01;
      rehash(out, info);
      return out;
    case 'hash': {
      if (!info.hash) throw new Error("corruptImage('hash') needs an image with an appended SHA-256");
      let j = mid + 1;
      while (j < largest.offset + largest.length - 1 && out[j] === out[mid]) j++;
      if (out[j] === out[mid]) throw new Error("corruptImage('hash') found no two different bytes to swap");
      const a = out[mid] ?? 0;
      out[mid] = out[j] ?? 0;
      out[j] = a;
      return out;
    }
    case 'truncate':
      return Buffer.from(out.subarray(0, mid));
    case 'app-desc':
      out.writeUInt32LE(0, APP_DESC_OFFSET + APP_DESC.magic);
      return resealAppImage(out);
  }
}

/** Builds an image and writes it to `path` (creating the directory), e.g. for the CLI. */
export async function writeTestImage(
  path: string,
  opts: BuildAppImageOptions,
): Promise<{ path: string; size: number; image: Buffer }> {
  const image = buildAppImage(opts);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, image);
  return { path, size: image.length, image };
}
