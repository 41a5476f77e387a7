// Signed updates (docs/signing.md), the part both ends agree on: what is signed and how the
// signature travels. A `put` or `ota` carries `sig=<key id>.<base64url signature>/` as the first
// segment of its tail; the signature (RSA-2048, PKCS#1 v1.5, SHA-256) is over one line naming the
// command, its target (the file path; "" for firmware) and the content's SHA-256, so a signed file
// cannot be replayed under another name or as firmware. Pure: the keys and the RSA live in Node.

export const SIG_SCHEME = 'mqboard-sig-v1';
export type SignedKind = 'put' | 'ota';

/** The exact text a signature covers (UTF-8 encoded). */
export const signedMessage = (kind: SignedKind, target: string, sha256: string): string => `${SIG_SCHEME} ${kind} ${target} ${sha256}`;

/** Signs an update: returns the token for the tail, `<key id>.<base64url signature>`. */
export type UpdateSigner = (kind: SignedKind, target: string, sha256: string) => string;

/** The tail segment that carries a signature token (empty without one). */
export const sigSegment = (token: string | undefined): string => (token ? `sig=${token}/` : '');

/** Key ids: short, and safe in a topic, a file name and a Python dict key. */
export const KEY_ID = /^[0-9a-f]{16}$/;
