// Verification of the SHA-256 that ESP-IDF appends to app images (hash_appended = 1).
// Pure TypeScript: the caller injects the hash function (node:crypto in Node,
// crypto.subtle in the browser), so this module stays usable everywhere.
import { toHex } from './firmware-image-bytes.js';
import { SHA256_SIZE } from './firmware-image-format.js';
import type { AppImageInfo } from './firmware-image.js';

export type AppendedHashResult =
  | { ok: true; status: 'verified'; sha256: string }
  | { ok: true; status: 'absent' }
  | { ok: false; error: string; expected?: string; actual?: string };

export interface VerifyHashOptions {
  /** Treat an image without an appended hash as an error (default false). */
  required?: boolean;
}

/**
 * Checks the appended SHA-256 of an image parsed by parseAppImage: it must equal the
 * SHA-256 of every byte before it. Resolves to a result; only a throwing `sha256` rejects.
 */
export async function verifyAppendedHash(
  bytes: Uint8Array,
  info: AppImageInfo,
  sha256: (data: Uint8Array) => Uint8Array | Promise<Uint8Array>,
  opts: VerifyHashOptions = {},
): Promise<AppendedHashResult> {
  if (!info.header) return { ok: false, error: 'cannot verify the appended SHA-256: not a valid app image header' };
  if (!info.header.hashAppended) {
    return opts.required
      ? { ok: false, error: 'image has no appended SHA-256 (hash_appended is 0)' }
      : { ok: true, status: 'absent' };
  }
  const hash = info.hash;
  if (!hash || bytes.length < hash.offset + SHA256_SIZE) {
    return { ok: false, error: 'cannot verify the appended SHA-256: the image is truncated' };
  }
  const digest = await sha256(bytes.subarray(0, hash.offset));
  if (digest.length !== SHA256_SIZE) {
    return { ok: false, error: `cannot verify the appended SHA-256: the hash function returned ${digest.length} bytes, not ${SHA256_SIZE}` };
  }
  const actual = toHex(digest);
  const expected = toHex(bytes, hash.offset, SHA256_SIZE);
  if (actual !== expected) {
    return {
      ok: false,
      error: `SHA-256 mismatch: the image's appended hash is ${expected.slice(0, 16)}… but its content hashes to ${actual.slice(0, 16)}… (the image is corrupted)`,
      expected,
      actual,
    };
  }
  return { ok: true, status: 'verified', sha256: actual };
}
