// Parser and validator for ESP-IDF application images (the .bin files uploaded over the
// air). Pure TypeScript on Uint8Array, so the renderer, the CLI and the virtual board's
// esp32.Partition shim all share it. It never throws on bad input and never allocates in
// proportion to lengths read from the image: garbage yields problems, not exceptions.
import { hexNum, readCString, toHex, u16le, u32le, u8, xorBytes } from './firmware-image-bytes.js';
import {
  APP_DESC,
  APP_DESC_MAGIC,
  APP_DESC_OFFSET,
  APP_DESC_SIZE,
  CHECKSUM_ALIGN,
  CHECKSUM_SEED,
  ESP32_APP_PARTITION_SIZE,
  ESP32_CHIP_ID,
  ESP_IMAGE_MAGIC,
  ESP_IMAGE_MAX_SEGMENTS,
  FLASH_MMU_PAGE_SIZE,
  HEADER,
  IMAGE_HEADER_SIZE,
  SEGMENT_HEADER_SIZE,
  SHA256_SIZE,
  chipName,
  esp32Region,
} from './firmware-image-format.js';
import type { Esp32Region } from './firmware-image-format.js';

export * from './firmware-image-format.js';
export { verifyAppendedHash } from './firmware-image-hash.js';
export type { AppendedHashResult, VerifyHashOptions } from './firmware-image-hash.js';

export interface AppImageHeader {
  magic: number;
  segmentCount: number;
  spiMode: number;
  /** Low nibble of byte 3 (0 = 40 MHz). */
  spiSpeed: number;
  /** High nibble of byte 3 (2 = 4 MB). */
  spiSize: number;
  entryAddress: number;
  wpPin: number;
  spiPinDrive: [number, number, number];
  chipId: number;
  minChipRev: number;
  minChipRevFull: number;
  maxChipRevFull: number;
  hashAppended: boolean;
}

export interface AppImageSegment {
  index: number;
  loadAddress: number;
  /** Offset of the segment's 8-byte header in the image. */
  headerOffset: number;
  /** Offset of the segment's data in the image. */
  offset: number;
  length: number;
  /** ESP32 memory region of the load address (undefined when unknown or not an ESP32 image). */
  region: Esp32Region | undefined;
}

export interface AppDescription {
  /** Offset of esp_app_desc_t in the image (32 in a plain image). */
  offset: number;
  magic: number;
  magicOk: boolean;
  secureVersion: number;
  version: string;
  projectName: string;
  time: string;
  date: string;
  idfVersion: string;
  /** Lower-case hex of app_elf_sha256. */
  elfSha256: string;
}

export type AppImageProblemCode =
  | 'empty'
  | 'bad-magic'
  | 'truncated-header'
  | 'segment-count'
  | 'truncated-segment'
  | 'segment-alignment'
  | 'truncated-checksum'
  | 'truncated-hash'
  | 'app-desc-missing'
  | 'app-desc-magic'
  | 'checksum-mismatch'
  | 'hash-flag'
  | 'segment-address'
  | 'segment-mapping'
  | 'chip-id'
  | 'too-large'
  | 'hash-mismatch'
  | 'hash-missing';

export interface AppImageProblem {
  code: AppImageProblemCode;
  severity: 'error' | 'warning';
  message: string;
}

export interface AppImageInfo {
  /** Number of bytes given to the parser (image plus anything after it). */
  size: number;
  header: AppImageHeader | null;
  segments: AppImageSegment[];
  appDesc: AppDescription | null;
  /** Length of the image including checksum and appended hash; null when it cannot be determined. */
  imageLength: number | null;
  checksum: { offset: number; stored: number; computed: number; ok: boolean } | null;
  /** Location and value (lower-case hex) of the appended SHA-256, when present. */
  hash: { offset: number; stored: string } | null;
  /** Bytes after the image (e.g. erased 0xFF flash in a partition); 0 when imageLength is unknown. */
  trailingBytes: number;
  /** Structural problems in the order found; empty for a well-formed image. */
  problems: AppImageProblem[];
}

function parseHeader(b: Uint8Array): AppImageHeader {
  const speedSize = u8(b, HEADER.spiSpeedSize);
  return {
    magic: u8(b, HEADER.magic),
    segmentCount: u8(b, HEADER.segmentCount),
    spiMode: u8(b, HEADER.spiMode),
    spiSpeed: speedSize & 0x0f,
    spiSize: speedSize >> 4,
    entryAddress: u32le(b, HEADER.entryAddress),
    wpPin: u8(b, HEADER.wpPin),
    spiPinDrive: [u8(b, HEADER.spiPinDrive), u8(b, HEADER.spiPinDrive + 1), u8(b, HEADER.spiPinDrive + 2)],
    chipId: u16le(b, HEADER.chipId),
    minChipRev: u8(b, HEADER.minChipRev),
    minChipRevFull: u16le(b, HEADER.minChipRevFull),
    maxChipRevFull: u16le(b, HEADER.maxChipRevFull),
    hashAppended: u8(b, HEADER.hashAppended) !== 0,
  };
}

function parseAppDesc(b: Uint8Array, offset: number): AppDescription {
  const magic = u32le(b, offset + APP_DESC.magic);
  return {
    offset,
    magic,
    magicOk: magic === APP_DESC_MAGIC,
    secureVersion: u32le(b, offset + APP_DESC.secureVersion),
    version: readCString(b, offset + APP_DESC.version, APP_DESC.versionSize),
    projectName: readCString(b, offset + APP_DESC.projectName, APP_DESC.projectNameSize),
    time: readCString(b, offset + APP_DESC.time, APP_DESC.timeSize),
    date: readCString(b, offset + APP_DESC.date, APP_DESC.dateSize),
    idfVersion: readCString(b, offset + APP_DESC.idfVersion, APP_DESC.idfVersionSize),
    elfSha256: toHex(b, offset + APP_DESC.elfSha256, APP_DESC.elfSha256Size),
  };
}

/** Parses an ESP-IDF app image (trailing bytes after the image are allowed). Never throws. */
export function parseAppImage(bytes: Uint8Array): AppImageInfo {
  const info: AppImageInfo = {
    size: bytes.length,
    header: null,
    segments: [],
    appDesc: null,
    imageLength: null,
    checksum: null,
    hash: null,
    trailingBytes: 0,
    problems: [],
  };
  const problem = (code: AppImageProblemCode, message: string, severity: 'error' | 'warning' = 'error'): AppImageInfo => {
    info.problems.push({ code, severity, message });
    return info;
  };
  const n = bytes.length;
  if (n === 0) return problem('empty', 'not an ESP-IDF app image: it is empty (0 bytes)');
  const first = u8(bytes, 0);
  if (first !== ESP_IMAGE_MAGIC) {
    const erased = first === 0xff ? ' - the data looks like erased flash' : '';
    return problem('bad-magic', `not an ESP-IDF app image: first byte is ${hexNum(first, 2)} (expected 0xE9)${erased}`);
  }
  if (n < IMAGE_HEADER_SIZE) {
    return problem('truncated-header', `truncated: the image header needs ${IMAGE_HEADER_SIZE} bytes but only ${n} are present`);
  }
  const header = parseHeader(bytes);
  info.header = header;
  const count = header.segmentCount;
  if (count === 0) return problem('segment-count', 'invalid segment count 0: an app image has at least one segment');
  if (count > ESP_IMAGE_MAX_SEGMENTS) {
    return problem('segment-count', `invalid segment count ${count}: ESP-IDF allows at most ${ESP_IMAGE_MAX_SEGMENTS} segments`);
  }
  const hashFlag = u8(bytes, HEADER.hashAppended);
  if (hashFlag > 1) problem('hash-flag', `hash_appended is ${hashFlag} (expected 0 or 1); treating it as 1`, 'warning');

  // The app description is read as soon as its bytes are present (even in a partial image).
  const firstLength = u32le(bytes, IMAGE_HEADER_SIZE + 4);
  if (firstLength >= APP_DESC_SIZE && n >= APP_DESC_OFFSET + APP_DESC_SIZE) info.appDesc = parseAppDesc(bytes, APP_DESC_OFFSET);

  // Walk the segments: headers and data must all lie inside the buffer.
  let pos = IMAGE_HEADER_SIZE;
  for (let index = 0; index < count; index++) {
    if (n - pos < SEGMENT_HEADER_SIZE) {
      return problem('truncated-segment', `truncated: segment ${index} header at offset ${pos} needs ${SEGMENT_HEADER_SIZE} bytes but only ${n - pos} remain`);
    }
    const loadAddress = u32le(bytes, pos);
    const length = u32le(bytes, pos + 4);
    const offset = pos + SEGMENT_HEADER_SIZE;
    if (length > n - offset) {
      return problem('truncated-segment', `truncated: segment ${index} claims ${length} bytes but only ${n - offset} remain`);
    }
    const where = header.chipId === ESP32_CHIP_ID ? esp32Region(loadAddress) : undefined;
    info.segments.push({ index, loadAddress, headerOffset: pos, offset, length, region: where?.region });
    if (length % 4 !== 0) {
      problem('segment-alignment', `segment ${index} length ${length} is not a multiple of 4 (the bootloader rejects unaligned segments)`);
    }
    if (header.chipId === ESP32_CHIP_ID && !where) {
      problem('segment-address', `segment ${index} load address ${hexNum(loadAddress, 8)} is outside every ESP32 memory region`, 'warning');
    } else if (where?.mapped && offset % FLASH_MMU_PAGE_SIZE !== loadAddress % FLASH_MMU_PAGE_SIZE) {
      problem('segment-mapping', `segment ${index} (${where.region} at ${hexNum(loadAddress, 8)}) is at file offset ${hexNum(offset, 8)}, which does not match its load address modulo 64 KB`, 'warning');
    }
    pos = offset + length;
  }

  // Checksum byte ends a 16-byte-aligned length; the optional SHA-256 follows it.
  const checksumOffset = Math.ceil((pos + 1) / CHECKSUM_ALIGN) * CHECKSUM_ALIGN - 1;
  if (!info.appDesc) {
    problem('app-desc-missing', `app description missing: segment 0 is only ${firstLength} bytes (esp_app_desc_t needs ${APP_DESC_SIZE})`);
  } else if (!info.appDesc.magicOk) {
    problem('app-desc-magic', `app description magic missing: expected ${hexNum(APP_DESC_MAGIC, 8)} at offset ${APP_DESC_OFFSET}, found ${hexNum(info.appDesc.magic, 8)}`);
  }
  if (checksumOffset >= n) {
    return problem('truncated-checksum', `truncated: the checksum byte at offset ${checksumOffset} is missing (the data ends at ${n} bytes)`);
  }
  let computed = CHECKSUM_SEED;
  for (const s of info.segments) computed = xorBytes(bytes, s.offset, s.offset + s.length, computed);
  const stored = u8(bytes, checksumOffset);
  info.checksum = { offset: checksumOffset, stored, computed, ok: stored === computed };
  let end = checksumOffset + 1;
  if (header.hashAppended) {
    if (n - end < SHA256_SIZE) {
      return problem('truncated-hash', `truncated: the appended SHA-256 needs ${SHA256_SIZE} bytes at offset ${end} but only ${n - end} remain`);
    }
    info.hash = { offset: end, stored: toHex(bytes, end, SHA256_SIZE) };
    end += SHA256_SIZE;
  }
  info.imageLength = end;
  info.trailingBytes = n - end;
  if (stored !== computed) {
    problem('checksum-mismatch', `checksum mismatch: stored ${hexNum(stored, 2)}, computed ${hexNum(computed, 2)} (the image data is corrupted)`);
  }
  return info;
}

export interface ValidateAppImageOptions {
  /** Chip the image must target; default ESP32 (0). null accepts any chip. */
  chipId?: number | null;
  /** Partition the image must fit in; default 2 MB. null disables the check. */
  partitionSize?: number | null;
  /** Require a valid esp_app_desc_t (default true, as esp_ota_ops does). */
  requireAppDesc?: boolean;
}

export type AppImageValidation =
  | { ok: true; info: AppImageInfo; warnings: string[] }
  | { ok: false; error: string; code: AppImageProblemCode; info: AppImageInfo };

/** Validates an app image like the bootloader / OTA code would. Never throws. */
export function validateAppImage(bytes: Uint8Array, opts: ValidateAppImageOptions = {}): AppImageValidation {
  const info = parseAppImage(bytes);
  const fail = (code: AppImageProblemCode, error: string): AppImageValidation => ({ ok: false, error, code, info });
  const wantChip = opts.chipId === undefined ? ESP32_CHIP_ID : opts.chipId;
  if (info.header && wantChip !== null && info.header.chipId !== wantChip) {
    const got = chipName(info.header.chipId);
    const want = chipName(wantChip) ?? `chip id ${wantChip}`;
    return fail('chip-id', `image is for chip id ${info.header.chipId}${got ? ` (${got})` : ''}, not ${want}`);
  }
  const requireDesc = opts.requireAppDesc ?? true;
  const error = info.problems.find(
    (p) => p.severity === 'error' && (requireDesc || (p.code !== 'app-desc-missing' && p.code !== 'app-desc-magic')),
  );
  if (error) return fail(error.code, error.message);
  const limit = opts.partitionSize === undefined ? ESP32_APP_PARTITION_SIZE : opts.partitionSize;
  if (limit !== null && info.imageLength !== null && info.imageLength > limit) {
    return fail('too-large', `image is ${info.imageLength} bytes, larger than the ${limit}-byte app partition`);
  }
  // Anything left is a warning (or an app-desc error the caller chose to ignore).
  const warnings = info.problems.map((p) => p.message);
  return { ok: true, info, warnings };
}
