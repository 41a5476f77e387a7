// Small, allocation-free helpers for reading little-endian binary structures from a
// Uint8Array. Pure TypeScript (shared with the browser renderer): no Buffer, no DataView
// offsets to get wrong. Every reader is bounds-checked by the caller; out-of-range bytes
// read as 0 rather than throwing, so garbage input can never crash a parser.

/** Unsigned byte at `offset` (0 when out of range). */
export function u8(bytes: Uint8Array, offset: number): number {
  return bytes[offset] ?? 0;
}

/** Unsigned 16-bit little-endian value at `offset`. */
export function u16le(bytes: Uint8Array, offset: number): number {
  return u8(bytes, offset) | (u8(bytes, offset + 1) << 8);
}

/** Unsigned 32-bit little-endian value at `offset` (always a non-negative number). */
export function u32le(bytes: Uint8Array, offset: number): number {
  return (
    (u8(bytes, offset) | (u8(bytes, offset + 1) << 8) | (u8(bytes, offset + 2) << 16)) +
    u8(bytes, offset + 3) * 0x1000000
  );
}

/** Lower-case hex of a byte range. */
export function toHex(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  let out = '';
  const end = Math.min(bytes.length, offset + length);
  for (let i = Math.max(0, offset); i < end; i++) out += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return out;
}

/** `0xAB`-style formatting of a number with a fixed number of hex digits. */
export function hexNum(value: number, digits: number): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(digits, '0')}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A NUL-terminated string stored in a fixed-size field (as in C `char name[32]`).
 * Reads up to the first NUL or the end of the field; invalid UTF-8 becomes U+FFFD.
 */
export function readCString(bytes: Uint8Array, offset: number, fieldSize: number): string {
  const start = Math.max(0, Math.min(offset, bytes.length));
  const end = Math.min(bytes.length, offset + fieldSize);
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  return utf8.decode(bytes.subarray(start, stop));
}

/** XOR of every byte in `[start, end)`, folded into `seed`. */
export function xorBytes(bytes: Uint8Array, start: number, end: number, seed: number): number {
  let acc = seed;
  for (let i = start; i < end; i++) acc ^= bytes[i] ?? 0;
  return acc & 0xff;
}
