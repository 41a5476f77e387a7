import { describe, expect, it } from 'vitest';
import { safeStorageCodec } from './secret-codec.js';

const fake = (available: boolean, backend?: string) => ({
  isEncryptionAvailable: () => available,
  getSelectedStorageBackend: () => backend ?? 'gnome_libsecret',
  encryptString: (s: string) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
  decryptString: (b: Buffer) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
});

describe('secret storage of broker passwords', () => {
  it('encrypts through safeStorage when a real secret store is there', () => {
    const codec = safeStorageCodec(fake(true), 'linux')!;
    const stored = codec.encrypt('s3cret');
    expect(stored).not.toContain('s3cret');
    expect(codec.decrypt(stored)).toBe('s3cret');
  });

  it('refuses to "encrypt" without one: no keyring, or the Linux plain-text fallback', () => {
    expect(safeStorageCodec(fake(false), 'darwin')).toBeUndefined();
    expect(safeStorageCodec(fake(true, 'basic_text'), 'linux')).toBeUndefined();
  });
});
