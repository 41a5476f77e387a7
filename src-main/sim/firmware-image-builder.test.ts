import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ESP32_APP_PARTITION_SIZE,
  FLASH_MMU_PAGE_SIZE,
  parseAppImage,
  validateAppImage,
  verifyAppendedHash,
} from '../common/firmware-image.js';
import { buildAppImage, corruptImage, resealAppImage, writeTestImage } from './firmware-image-builder.js';

const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();

describe('buildAppImage', () => {
  const image = buildAppImage({ version: 'v1.27.0-sim.3', totalSize: 1_500_000, seed: 42 });

  it('builds a realistic 1.5 MB image that validates and round-trips', async () => {
    expect(Math.abs(image.length - 1_500_000)).toBeLessThanOrEqual(16);
    const res = validateAppImage(image);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.warnings).toEqual([]);
    const { info } = res;
    expect(info.header).toMatchObject({ segmentCount: 6, chipId: 0, hashAppended: true, spiMode: 2 });
    expect(info.appDesc).toMatchObject({
      magicOk: true, version: 'v1.27.0-sim.3', projectName: 'micropython', idfVersion: 'v5.2.2', time: '12:00:00', date: 'Jan  1 2025',
    });
    expect(info.appDesc?.elfSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.segments.map((s) => s.region)).toEqual(['DROM', 'DRAM', 'IRAM', 'IROM', 'RTC_IRAM', 'RTC_SLOW']);
    expect(info.segments[0]).toMatchObject({ loadAddress: 0x3f400020, offset: 32 });
    const irom = info.segments[3]!;
    expect(irom.loadAddress).toBe(0x400d0020);
    expect(irom.offset % FLASH_MMU_PAGE_SIZE).toBe(0x20);
    expect(irom.length).toBeGreaterThan(700_000);
    for (const s of info.segments) expect(s.length % 4).toBe(0);
    expect(info.checksum).toMatchObject({ ok: true });
    expect(info.imageLength).toBe(image.length);
    expect(info.trailingBytes).toBe(0);
    await expect(verifyAppendedHash(image, info, sha256)).resolves.toMatchObject({ ok: true, status: 'verified' });
  });

  it('is deterministic for a seed and differs between seeds and versions', () => {
    const a = buildAppImage({ version: 'v1', totalSize: 20_000, seed: 1 });
    expect(buildAppImage({ version: 'v1', totalSize: 20_000, seed: 1 }).equals(a)).toBe(true);
    expect(buildAppImage({ version: 'v1', totalSize: 20_000, seed: 2 }).equals(a)).toBe(false);
    expect(buildAppImage({ version: 'v1', totalSize: 20_000 }).equals(buildAppImage({ version: 'v1', totalSize: 20_000 }))).toBe(true);
    expect(buildAppImage({ version: 'v2', totalSize: 20_000 }).equals(buildAppImage({ version: 'v1', totalSize: 20_000 }))).toBe(false);
  });

  it('honours every segment count, size, and option', async () => {
    for (let segments = 1; segments <= 16; segments++) {
      for (const totalSize of [0, 1000, 70_000, 300_000]) {
        for (const hashAppended of [true, false]) {
          const img = buildAppImage({ version: `v1.${segments}`, segments, totalSize, hashAppended, projectName: 'proj' });
          const res = validateAppImage(img);
          expect(res.ok, `${segments}/${totalSize}/${hashAppended}: ${res.ok ? '' : res.error}`).toBe(true);
          if (!res.ok) continue;
          expect(res.warnings).toEqual([]);
          expect(res.info.segments).toHaveLength(segments);
          expect(res.info.appDesc?.projectName).toBe('proj');
          expect(res.info.header?.hashAppended).toBe(hashAppended);
          if (totalSize >= 70_000) expect(Math.abs(img.length - totalSize)).toBeLessThanOrEqual(16);
          await expect(verifyAppendedHash(img, res.info, sha256)).resolves.toMatchObject({ ok: true });
        }
      }
    }
    const custom = buildAppImage({
      version: 'x'.repeat(32), idfVersion: 'v5.4.1', time: '23:59:59', date: 'Dec 31 2025', secureVersion: 3,
      elfSha256: 'ab'.repeat(32), totalSize: 4096, segments: 4,
    });
    expect(parseAppImage(custom).appDesc).toMatchObject({
      version: 'x'.repeat(32), idfVersion: 'v5.4.1', time: '23:59:59', date: 'Dec 31 2025', secureVersion: 3, elfSha256: 'ab'.repeat(32),
    });
    expect(() => buildAppImage({ version: 'x'.repeat(33) })).toThrow(/version .* is 33 bytes/);
    expect(() => buildAppImage({ version: 'v1', segments: 17 })).toThrow(RangeError);
    expect(validateAppImage(buildAppImage({ version: 'v1', totalSize: 5000, chipId: 9 })).ok).toBe(false);
  });

  it('still parses when written into an erased 1.5 MiB partition', async () => {
    const part = Buffer.alloc(ESP32_APP_PARTITION_SIZE, 0xff);
    image.copy(part);
    const res = validateAppImage(part);
    expect(res.ok).toBe(true);
    expect(res.info.imageLength).toBe(image.length);
    expect(res.info.trailingBytes).toBe(ESP32_APP_PARTITION_SIZE - image.length);
    await expect(verifyAppendedHash(part, res.info, sha256)).resolves.toMatchObject({ ok: true, status: 'verified' });
    const tooBig = buildAppImage({ version: 'v1', totalSize: ESP32_APP_PARTITION_SIZE + 100_000 });
    expect(validateAppImage(tooBig)).toMatchObject({ ok: false, error: expect.stringMatching(/larger than the 1572864-byte app partition/) });
  });
});

describe('corruptImage', () => {
  const image = buildAppImage({ version: 'v1.27.0-sim.3', totalSize: 200_000, seed: 7 });
  const errorOf = (bytes: Uint8Array): string => {
    const res = validateAppImage(bytes);
    return res.ok ? '' : res.error;
  };

  it('does not modify its input', () => {
    const copy = Buffer.from(image);
    corruptImage(image, 'checksum');
    corruptImage(image, 'app-desc');
    expect(image.equals(copy)).toBe(true);
  });

  it('gives the expected error for each kind', async () => {
    expect(errorOf(corruptImage(image, 'magic'))).toBe('not an ESP-IDF app image: first byte is 0x00 (expected 0xE9)');
    expect(errorOf(corruptImage(image, 'checksum'))).toMatch(/^checksum mismatch: stored 0x[0-9A-F]{2}, computed 0x[0-9A-F]{2}/);
    expect(errorOf(corruptImage(image, 'truncate'))).toMatch(/^truncated: segment 3 claims \d+ bytes but only \d+ remain$/);
    expect(errorOf(corruptImage(image, 'app-desc'))).toBe('app description magic missing: expected 0xABCD5432 at offset 32, found 0x00000000');

    // Only the hash of a 'checksum' corruption is still right; only the hash catches a 'hash' one.
    const ck = corruptImage(image, 'checksum');
    await expect(verifyAppendedHash(ck, parseAppImage(ck), sha256)).resolves.toMatchObject({ ok: true });
    const hashed = corruptImage(image, 'hash');
    const res = validateAppImage(hashed);
    expect(res.ok).toBe(true);
    const verdict = await verifyAppendedHash(hashed, res.info, sha256);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.error).toMatch(/^SHA-256 mismatch/);
    expect(() => corruptImage(buildAppImage({ version: 'v1', totalSize: 5000, hashAppended: false }), 'hash')).toThrow(/appended SHA-256/);
  });

  it('resealAppImage repairs an edited image', () => {
    const edited = Buffer.from(image);
    edited.write('v9.9.9\0', 32 + 16, 'latin1');
    expect(errorOf(edited)).toMatch(/checksum mismatch/);
    resealAppImage(edited);
    expect(validateAppImage(edited)).toMatchObject({ ok: true, info: { appDesc: { version: 'v9.9.9' } } });
  });
});

describe('robustness against truncation and corruption', () => {
  it('never throws on truncations of a valid image at many lengths', () => {
    const small = buildAppImage({ version: 'v1', totalSize: 12_000, seed: 3 });
    for (let len = 0; len < small.length; len += 3) {
      const res = validateAppImage(small.subarray(0, len));
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error).toMatch(/^(truncated|not an ESP-IDF app image)/);
    }
    const big = buildAppImage({ version: 'v1', totalSize: 1_500_000, seed: 3 });
    for (let len = 0; len < big.length; len += 7919) expect(validateAppImage(big.subarray(0, len)).ok).toBe(false);
  });

  it('never throws when header and segment headers are overwritten with random bytes', () => {
    const img = buildAppImage({ version: 'v1', totalSize: 8_000, seed: 5 });
    const info = parseAppImage(img);
    const hot = [...Array(24).keys(), ...info.segments.flatMap((s) => [...Array(8).keys()].map((k) => s.headerOffset + k))];
    let state = 99;
    for (let i = 0; i < 2000; i++) {
      const bad = Buffer.from(img);
      for (let k = 0; k < 4; k++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        bad[hot[state % hot.length]!] = state >>> 24;
      }
      expect(() => validateAppImage(bad)).not.toThrow();
    }
  });
});

describe('writeTestImage', () => {
  it('writes the built image to disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fw-image-'));
    try {
      const out = await writeTestImage(join(dir, 'sub', 'firmware.bin'), { version: 'v1.27.0-sim.1', totalSize: 50_000 });
      const onDisk = await readFile(out.path);
      expect(onDisk.length).toBe(out.size);
      expect(onDisk.equals(out.image)).toBe(true);
      expect(validateAppImage(onDisk).ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
