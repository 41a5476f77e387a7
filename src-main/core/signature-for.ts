// The one place that decides whether an update goes out signed: only when the operator gave a
// key, and then only to a board that verifies signatures (cap "sig"). Any other board would take
// the `sig=` segment for part of the file path, or ignore it and install unverified code that the
// operator believes is checked: refused with a clear error instead.
import { MqbError } from '../common/errors.js';
import type { SignedKind, UpdateSigner } from '../common/signing.js';

export function signatureFor(board: { prefix: string; caps: readonly string[] }, sign: UpdateSigner | undefined, kind: SignedKind, target: string, sha256: string): string | undefined {
  if (!sign) return undefined;
  if (!board.caps.includes('sig')) {
    throw new MqbError('UNSUPPORTED', `${board.prefix} does not verify signed updates (its firmware predates them): update its firmware first, or leave out --sign`, { board: board.prefix });
  }
  return sign(kind, target, sha256);
}
