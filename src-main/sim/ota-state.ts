// The virtual board's flash layout for OTA and a model of the ESP-IDF bootloader's choice of app:
// otadata sequence numbers pick the newest slot; an image in "new" state boots as pending-verify;
// one still pending-verify at the next boot was never confirmed, so it is aborted and the previous
// image boots (rollback); an invalid image is skipped like the bootloader skips it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { validateAppImage } from '../common/firmware-image.js';
import type { AppImageValidation } from '../common/firmware-image.js';
import { imageMicropython } from './mp-version.js';

export const OTA_SLOTS = ['ota_0', 'ota_1'] as const;
export type OtaSlot = (typeof OTA_SLOTS)[number];


/** esp_ota_img_states_t, by name. 'undefined' is an image flashed by a cable (no rollback). */
export type OtaImageState = 'new' | 'pending-verify' | 'valid' | 'invalid' | 'aborted' | 'undefined';

export interface OtaData {
  seq: Record<OtaSlot, number>;
  state: Record<OtaSlot, OtaImageState>;
}

export interface BootDecision {
  slot: OtaSlot | null;
  pendingVerify: boolean;
  /** The app descriptor's version and project name: both '' in a stock MicroPython build. */
  version: string;
  projectName: string;
  /** The MicroPython release the image's code is ('v1.27.0', mp-version.ts). */
  micropython: string;
  /** What the bootloader would print: rollbacks, skipped invalid images. */
  notes: string[];
}

export const otherSlot = (slot: OtaSlot): OtaSlot => (slot === 'ota_0' ? 'ota_1' : 'ota_0');

export function emptyOtaData(): OtaData {
  return { seq: { ota_0: 0, ota_1: 0 }, state: { ota_0: 'undefined', ota_1: 'undefined' } };
}

export function readOtaData(file: string): OtaData {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyOtaData();
    throw err;
  }
  try {
    const data = JSON.parse(text) as OtaData;
    for (const slot of OTA_SLOTS) {
      if (typeof data.seq?.[slot] !== 'number' || typeof data.state?.[slot] !== 'string') throw new Error('fields');
    }
    return data;
  } catch {
    // Like a corrupt otadata sector (bad CRC): the bootloader ignores it.
    return emptyOtaData();
  }
}

export function writeOtaData(file: string, data: OtaData): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data));
  fs.renameSync(tmp, file);
}

/** Validates an app image in a partition file like the bootloader: structure, checksum, SHA-256. */
export function checkPartitionImage(bytes: Uint8Array): AppImageValidation {
  const result = validateAppImage(bytes);
  if (!result.ok) return result;
  const { hash, imageLength } = result.info;
  if (hash && imageLength !== null) {
    const actual = createHash('sha256').update(bytes.subarray(0, hash.offset)).digest('hex');
    if (actual !== hash.stored) {
      return { ok: false, code: 'hash-mismatch', error: 'SHA-256 of the image does not match its appended hash', info: result.info };
    }
  }
  return result;
}

export function readPartitionFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Uint8Array(0);
    throw err;
  }
}

/**
 * Chooses the app to boot and returns the updated otadata (the caller persists it).
 * `readImage` returns a slot's partition contents.
 */
export function chooseBootSlot(data: OtaData, readImage: (slot: OtaSlot) => Uint8Array): { decision: BootDecision; data: OtaData } {
  const next: OtaData = { seq: { ...data.seq }, state: { ...data.state } };
  const notes: string[] = [];
  // Newest first by sequence number; with no otadata the first OTA slot is the default.
  const order = [...OTA_SLOTS].sort((a, b) => next.seq[b] - next.seq[a]);
  for (const slot of order) {
    const state = next.state[slot];
    if (next.seq[slot] > 0 && (state === 'invalid' || state === 'aborted')) continue;
    if (next.seq[slot] > 0 && state === 'pending-verify') {
      next.state[slot] = 'aborted';
      notes.push(`rollback: ${slot} was not confirmed by the app, booting the previous image`);
      continue;
    }
    const image = readImage(slot);
    const check = checkPartitionImage(image);
    if (!check.ok) {
      if (next.seq[slot] > 0) next.state[slot] = 'invalid';
      notes.push(`${slot}: invalid app image (${check.error})`);
      continue;
    }
    let pendingVerify = false;
    if (next.seq[slot] > 0 && state === 'new') {
      next.state[slot] = 'pending-verify';
      pendingVerify = true;
    }
    const desc = check.info.appDesc;
    return {
      decision: {
        slot, pendingVerify, version: desc?.version ?? '', projectName: desc?.projectName ?? '',
        micropython: imageMicropython(image, desc?.version ?? ''), notes,
      },
      data: next,
    };
  }
  notes.push('no bootable app partition');
  return { decision: { slot: null, pendingVerify: false, version: '', projectName: '', micropython: '', notes }, data: next };
}

/** esp_ota_set_boot_partition: validates the image, then makes the slot the newest entry. */
export function setBootSlot(data: OtaData, slot: OtaSlot, image: Uint8Array): { ok: true; data: OtaData } | { ok: false; error: string } {
  const check = checkPartitionImage(image);
  if (!check.ok) return { ok: false, error: check.error };
  const seq = Math.max(data.seq.ota_0, data.seq.ota_1) + 1;
  return { ok: true, data: { seq: { ...data.seq, [slot]: seq }, state: { ...data.state, [slot]: 'new' } } };
}

/** esp_ota_mark_app_valid_cancel_rollback for the running slot. */
export function markValid(data: OtaData, running: OtaSlot): OtaData {
  if (data.state[running] !== 'pending-verify') return data;
  return { seq: { ...data.seq }, state: { ...data.state, [running]: 'valid' } };
}
