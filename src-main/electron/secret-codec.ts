// Broker passwords at rest, through Electron's safeStorage (macOS Keychain, Windows DPAPI, Linux
// libsecret/kwallet). Linux without a keyring falls back to a hard-coded key ('basic_text'): not
// a secret store, so then passwords are kept in memory only.
import type { SecretCodec } from '../app/profile-store.js';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export function safeStorageCodec(safeStorage: SafeStorageLike, platform: string = process.platform): SecretCodec | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') return undefined;
  return {
    encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
    decrypt: (stored) => safeStorage.decryptString(Buffer.from(stored, 'base64')),
  };
}
