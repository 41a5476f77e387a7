// Local files the UI hands over (firmware images, uploads): bytes from a browser, or a path in the
// desktop app. A path is read only when the user chose it (the native dialog, or a file dropped
// on the window): a compromised page must not be able to make main read ~/.ssh/id_rsa and upload
// it to a board. The web mode accepts no paths at all.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { FileRef } from '../common/contract.js';
import { ConsoleError, MAX_TRANSFER_BYTES } from '../common/contract.js';
import { readLocal } from '../core/file-transfer.js';

const megabytes = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** The error for a file above the transfer limit (the same words the UI uses). */
export function tooLarge(name: string, size: number): ConsoleError {
  return new ConsoleError('USAGE', `${name} is ${megabytes(size)}: at most ${megabytes(MAX_TRANSFER_BYTES)} can be transferred at once`);
}

export class LocalFiles {
  private readonly granted = new Set<string>();

  constructor(private readonly acceptPaths: boolean) {}

  /** The user picked this file (dialog, drop): the UI may now refer to it by path. */
  grant(file: string): void {
    if (this.acceptPaths && path.isAbsolute(file)) this.granted.add(path.normalize(file));
  }

  /** The user picked this path (never true in web mode, where the page cannot name local files). */
  isGranted(file: string): boolean {
    return this.acceptPaths && path.isAbsolute(file) && this.granted.has(path.normalize(file));
  }

  async read(ref: FileRef): Promise<{ name: string; data: Uint8Array }> {
    if (ref.kind === 'bytes') return { name: ref.name, data: ref.data };
    if (!this.acceptPaths) throw new ConsoleError('NOT_AVAILABLE', 'local file paths are accepted by the desktop app only; send the file content instead');
    const file = path.normalize(ref.path);
    if (!this.granted.has(file)) throw new ConsoleError('INVALID_REQUEST', `${ref.path} was not chosen in the file dialog or dropped on the window`);
    // Checked before reading: a multi-gigabyte file picked by mistake is refused, not loaded.
    const size = await fs.stat(file).then((st) => st.size, () => 0);
    if (size > MAX_TRANSFER_BYTES) throw tooLarge(path.basename(file), size);
    return { name: path.basename(file), data: await readLocal(file) };
  }
}
