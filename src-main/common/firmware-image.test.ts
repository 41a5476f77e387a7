import { describe, expect, it } from 'vitest';
import {
  APP_DESC_MAGIC,
  ESP32_APP_PARTITION_SIZE,
  ESP_IMAGE_MAGIC,
  IMAGE_HEADER_SIZE,
  OTA_SECTOR_SIZE,
  parseAppImage,
  validateAppImage,
  verifyAppendedHash,
} from './firmware-image.js';
import { readCString, u16le, u32le } from './firmware-image-bytes.js';

// A pure-TS image writer for these tests (the Node builder lives in src-main/sim).
interface Seg { address: number; data: Uint8Array }

function appDesc(version: string, project = 'micropython'): Uint8Array {
  const d = new Uint8Array(256);
  const v = new DataView(d.buffer);
  v.setUint32(0, APP_DESC_MAGIC, true);
  v.setUint32(4, 7, true);
  const enc = new TextEncoder();
  d.set(enc.encode(version), 16);
  d.set(enc.encode(project), 48);
  d.set(enc.encode('01:02:03'), 80);
  d.set(enc.encode('Feb  3 2025'), 96);
  d.set(enc.encode('v5.2.2'), 112);
  for (let i = 0; i < 32; i++) d[144 + i] = i;
  return d;
}

function filled(length: number, start: number): Uint8Array {
  const d = new Uint8Array(length);
  for (let i = 0; i < length; i++) d[i] = (start + i * 31) & 0xff;
  return d;
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(data)));
}

async function makeImage(segs: Seg[], opts: { hash?: boolean; chipId?: number } = {}): Promise<Uint8Array> {
  const end = IMAGE_HEADER_SIZE + segs.reduce((n, s) => n + 8 + s.data.length, 0);
  const checksumEnd = Math.ceil((end + 1) / 16) * 16;
  const hash = opts.hash ?? true;
  const img = new Uint8Array(checksumEnd + (hash ? 32 : 0));
  const v = new DataView(img.buffer);
  img[0] = ESP_IMAGE_MAGIC;
  img[1] = segs.length;
  img[2] = 2;
  img[3] = 0x20;
  v.setUint32(4, 0x40081000, true);
  img[8] = 0xee;
  v.setUint16(12, opts.chipId ?? 0, true);
  img[23] = hash ? 1 : 0;
  let pos = IMAGE_HEADER_SIZE;
  let sum = 0xef;
  for (const s of segs) {
    v.setUint32(pos, s.address, true);
    v.setUint32(pos + 4, s.data.length, true);
    img.set(s.data, pos + 8);
    for (const b of s.data) sum ^= b;
    pos += 8 + s.data.length;
  }
  img[checksumEnd - 1] = sum;
  if (hash) img.set(await sha256(img.subarray(0, checksumEnd)), checksumEnd);
  return img;
}

const drom = (version = 'v1.24.0', extra = 1024): Seg => {
  const data = new Uint8Array(256 + extra);
  data.set(appDesc(version));
  data.set(filled(extra, 3), 256);
  return { address: 0x3f400020, data };
};
const standard = (): Seg[] => [drom(), { address: 0x3ffb0000, data: filled(64, 9) }, { address: 0x40080000, data: filled(128, 77) }];

describe('little-endian helpers', () => {
  it('read unsigned values and C strings without throwing out of range', () => {
    const b = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x41, 0x42, 0, 0x43]);
    expect(u32le(b, 0)).toBe(0xffffffff);
    expect(u16le(b, 4)).toBe(0x4241);
    expect(u32le(b, 6)).toBe(0x4300);
    expect(u32le(b, 100)).toBe(0);
    expect(readCString(b, 4, 4)).toBe('AB');
    expect(readCString(b, 7, 32)).toBe('C');
    expect(readCString(b, 50, 32)).toBe('');
  });
});

describe('parseAppImage', () => {
  it('parses header, segments, app description, checksum and hash', async () => {
    const img = await makeImage(standard());
    const info = parseAppImage(img);
    expect(info.problems).toEqual([]);
    expect(info.header).toMatchObject({ magic: 0xe9, segmentCount: 3, spiMode: 2, spiSpeed: 0, spiSize: 2, entryAddress: 0x40081000, chipId: 0, hashAppended: true });
    expect(info.segments.map((s) => [s.loadAddress, s.offset, s.length, s.region])).toEqual([
      [0x3f400020, 32, 1280, 'DROM'],
      [0x3ffb0000, 32 + 1280 + 8, 64, 'DRAM'],
      [0x40080000, 32 + 1280 + 8 + 64 + 8, 128, 'IRAM'],
    ]);
    expect(info.appDesc).toMatchObject({
      offset: 32, magicOk: true, secureVersion: 7, version: 'v1.24.0', projectName: 'micropython',
      time: '01:02:03', date: 'Feb  3 2025', idfVersion: 'v5.2.2',
    });
    expect(info.appDesc?.elfSha256).toBe('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    expect(info.imageLength).toBe(img.length);
    expect(info.imageLength! % 16).toBe(0);
    expect(info.checksum?.ok).toBe(true);
    expect(info.checksum?.offset).toBe(img.length - 33);
    expect(info.trailingBytes).toBe(0);
  });

  it('handles an image without appended hash', async () => {
    const img = await makeImage(standard(), { hash: false });
    const info = parseAppImage(img);
    expect(info.problems).toEqual([]);
    expect(info.hash).toBeNull();
    expect(info.imageLength).toBe(img.length);
    expect(await verifyAppendedHash(img, info, sha256)).toEqual({ ok: true, status: 'absent' });
    expect(await verifyAppendedHash(img, info, sha256, { required: true })).toMatchObject({ ok: false, error: expect.stringMatching(/no appended SHA-256/) });
  });

  it('accepts erased flash after the image (a full 2 MB partition)', async () => {
    const img = await makeImage(standard());
    const part = new Uint8Array(ESP32_APP_PARTITION_SIZE).fill(0xff);
    part.set(img);
    const res = validateAppImage(part);
    expect(res.ok).toBe(true);
    expect(res.info.imageLength).toBe(img.length);
    expect(res.info.trailingBytes).toBe(ESP32_APP_PARTITION_SIZE - img.length);
    await expect(verifyAppendedHash(part, res.info, sha256)).resolves.toMatchObject({ ok: true, status: 'verified' });
  });

  it('warns about segments outside ESP32 memory and mis-mapped flash segments', async () => {
    const img = await makeImage([drom(), { address: 0x12345678, data: filled(16, 1) }, { address: 0x400d0020, data: filled(16, 2) }]);
    const res = validateAppImage(img);
    expect(res.ok).toBe(true);
    if (res.ok) {
      expect(res.warnings.join('\n')).toMatch(/segment 1 load address 0x12345678 is outside/);
      expect(res.warnings.join('\n')).toMatch(/segment 2 \(IROM at 0x400D0020\).*modulo 64 KB/);
    }
  });
});

describe('validateAppImage errors', () => {
  const expectError = (bytes: Uint8Array, pattern: RegExp, opts?: Parameters<typeof validateAppImage>[1]): void => {
    const res = validateAppImage(bytes, opts);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error).toMatch(pattern);
  };

  it('reports empty, wrong magic, erased flash and a short header', () => {
    expectError(new Uint8Array(0), /^not an ESP-IDF app image: it is empty/);
    expectError(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]), /^not an ESP-IDF app image: first byte is 0x7F \(expected 0xE9\)$/);
    expectError(new Uint8Array(OTA_SECTOR_SIZE).fill(0xff), /first byte is 0xFF \(expected 0xE9\) - the data looks like erased flash/);
    expectError(new Uint8Array([0xe9, 1, 2]), /^truncated: the image header needs 24 bytes but only 3 are present$/);
  });

  it('reports bad segment counts', async () => {
    const img = await makeImage(standard());
    img[1] = 0;
    expectError(img, /invalid segment count 0/);
    img[1] = 17;
    expectError(img, /invalid segment count 17: ESP-IDF allows at most 16 segments/);
  });

  it('reports truncated segments, checksum and hash', async () => {
    const img = await makeImage(standard());
    expectError(img.subarray(0, 30), /^truncated: segment 0 header at offset 24 needs 8 bytes but only 6 remain$/);
    expectError(img.subarray(0, 1000), /^truncated: segment 0 claims 1280 bytes but only 968 remain$/);
    const info = parseAppImage(img);
    expectError(img.subarray(0, info.checksum!.offset), /^truncated: the checksum byte at offset \d+ is missing/);
    expectError(img.subarray(0, img.length - 1), /^truncated: the appended SHA-256 needs 32 bytes .* only 31 remain$/);
    const huge = img.slice();
    new DataView(huge.buffer).setUint32(IMAGE_HEADER_SIZE + 4, 0xfffffff0, true);
    expectError(huge, /^truncated: segment 0 claims 4294967280 bytes but only \d+ remain$/);
  });

  it('reports checksum mismatch, unaligned segments and a missing app description', async () => {
    const img = await makeImage(standard());
    img[500] = (img[500] ?? 0) ^ 0x10;
    expectError(img, /^checksum mismatch: stored 0x[0-9A-F]{2}, computed 0x[0-9A-F]{2}/);
    expectError(await makeImage([drom(), { address: 0x3ffb0000, data: filled(6, 1) }]), /segment 1 length 6 is not a multiple of 4/);
    const noDesc = await makeImage([{ address: 0x3f400020, data: filled(512, 5) }]);
    expectError(noDesc, /^app description magic missing: expected 0xABCD5432 at offset 32, found 0x/);
    expect(validateAppImage(noDesc, { requireAppDesc: false }).ok).toBe(true);
    expectError(await makeImage([{ address: 0x3f400020, data: filled(64, 5) }]), /^app description missing: segment 0 is only 64 bytes/);
  });

  it('reports the wrong chip and images larger than the partition', async () => {
    const s3 = await makeImage(standard(), { chipId: 9 });
    expectError(s3, /^image is for chip id 9 \(ESP32-S3\), not ESP32$/);
    expect(validateAppImage(s3, { chipId: 9 }).ok).toBe(true);
    expect(validateAppImage(s3, { chipId: null }).ok).toBe(true);
    expectError(await makeImage(standard(), { chipId: 77 }), /^image is for chip id 77, not ESP32$/);
    const img = await makeImage(standard());
    expectError(img, /^image is \d+ bytes, larger than the 1024-byte app partition$/, { partitionSize: 1024 });
  });
});

describe('verifyAppendedHash', () => {
  it('verifies with an async (WebCrypto) or sync hash function and detects a mismatch', async () => {
    const img = await makeImage(standard());
    const info = parseAppImage(img);
    const digest = await sha256(img.subarray(0, info.hash!.offset));
    await expect(verifyAppendedHash(img, info, () => digest)).resolves.toMatchObject({ ok: true, status: 'verified' });
    const bad = img.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    const res = await verifyAppendedHash(bad, parseAppImage(bad), sha256);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error).toMatch(/^SHA-256 mismatch: the image's appended hash is [0-9a-f]{16}… but its content hashes to [0-9a-f]{16}…/);
      expect(res.expected).not.toBe(res.actual);
    }
    const truncated = img.subarray(0, img.length - 5);
    await expect(verifyAppendedHash(truncated, parseAppImage(truncated), sha256)).resolves.toMatchObject({ ok: false, error: expect.stringMatching(/truncated/) });
    await expect(verifyAppendedHash(img, info, () => new Uint8Array(20))).resolves.toMatchObject({ ok: false });
  });
});

describe('garbage never throws', () => {
  let state = 12345;
  const rand = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 8;
  };

  it('survives 2,000 random buffers, many starting with the magic byte', () => {
    for (let i = 0; i < 2000; i++) {
      const buf = new Uint8Array(rand() % 600);
      for (let j = 0; j < buf.length; j++) buf[j] = rand() & 0xff;
      if (i % 2 === 0 && buf.length > 0) buf[0] = 0xe9;
      if (i % 4 === 0 && buf.length > 1) buf[1] = rand() % 4;
      const res = validateAppImage(buf);
      expect(res.ok || res.error.length > 0).toBe(true);
    }
  });

  it('survives every truncation and random byte flips of a valid image', async () => {
    const img = await makeImage(standard());
    for (let len = 0; len < img.length; len++) {
      const res = validateAppImage(img.subarray(0, len));
      expect(res.ok).toBe(false);
    }
    for (let i = 0; i < 2000; i++) {
      const bad = img.slice();
      for (let k = 0; k < 3; k++) bad[rand() % 64] = rand() & 0xff;
      expect(() => validateAppImage(bad)).not.toThrow();
    }
  });
});
