// Signing keys for signed updates (docs/signing.md): RSA-2048 key pairs kept as PEM files (0600)
// in <data dir>/keys, the signer the transfer and OTA engines call, and the board_config entry
// that makes a board trust a key. RSA, not an elliptic curve, because the board verifies in stock
// MicroPython: with e = 65537 that is one pow(), milliseconds where a pure-Python curve takes seconds.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MqbError } from '../common/errors.js';
import { signedMessage } from '../common/signing.js';
import type { UpdateSigner } from '../common/signing.js';

export const KEY_BITS = 2048;
/** The signature travels in the command topic, which a board keeps up to 768 bytes (board/lib/mqb_mqtt.py). */
export const MAX_KEY_BITS = 3072;
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface SigningKeyInfo {
  name: string;
  /** What the board's config and the signature call it: 16 hex digits of SHA-256(modulus). */
  id: string;
  bits: number;
  /** The public modulus, base64 (big-endian): the value of the board's `signing.keys` entry. */
  modulus: string;
}

const b64url = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The public facts of a key; refuses anything a board could not verify. */
export function describeKey(key: KeyObject, name: string): SigningKeyInfo {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || jwk.e !== 'AQAB') {
    throw new MqbError('USAGE', `${name}: not an RSA key with exponent 65537 (boards verify RSA-2048 or larger, e = 65537)`);
  }
  const n = Buffer.from(jwk.n, 'base64url');
  if (n.length * 8 < KEY_BITS) throw new MqbError('USAGE', `${name}: a ${n.length * 8}-bit key is too weak; boards need at least ${KEY_BITS} bits`);
  if (n.length * 8 > MAX_KEY_BITS) throw new MqbError('USAGE', `${name}: a ${n.length * 8}-bit key gives signatures too long for a board's command topic; use ${KEY_BITS} to ${MAX_KEY_BITS} bits`);
  return { name, id: createHash('sha256').update(n).digest('hex').slice(0, 16), bits: n.length * 8, modulus: n.toString('base64') };
}

/** A signer for the engines: `<key id>.<base64url RSA signature>` over common/signing's message. */
export function signerFor(privateKey: KeyObject, name = 'key'): UpdateSigner {
  if (privateKey.type !== 'private') throw new MqbError('USAGE', `${name}: a public key cannot sign; give the private key`);
  const { id } = describeKey(privateKey, name);
  return (kind, target, sha256) => `${id}.${b64url(sign('sha256', Buffer.from(signedMessage(kind, target, sha256), 'utf8'), privateKey))}`;
}

/** The board_config.py line that makes a board trust `keys` (and, with require, only them). */
export function boardConfigEntry(keys: readonly SigningKeyInfo[], require = true): string {
  const entries = keys.map((k) => `        "${k.id}": "${k.modulus}",  # ${k.name}`).join('\n');
  return `signing = {\n    "require": ${require ? 'True' : 'False'},\n    "keys": {\n${entries}\n    },\n}\n`;
}

/** The key files in <data dir>/keys: `<name>.pem`, readable by the user only. */
export class SigningKeyStore {
  constructor(readonly dir: string) {}

  generate(name: string): SigningKeyInfo {
    if (!KEY_NAME.test(name)) throw new MqbError('USAGE', `key name "${name}": use letters, digits, '.', '_' or '-' (at most 64)`);
    const file = this.file(name);
    if (fs.existsSync(file)) throw new MqbError('USAGE', `a key named "${name}" exists already (${file}); pick another name to rotate`);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: KEY_BITS, publicExponent: 65537 });
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // wx: never overwrite a key another process made meanwhile; 0600: it signs firmware.
    fs.writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    return describeKey(privateKey, name);
  }

  list(): SigningKeyInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((f) => f.endsWith('.pem')).map((f) => f.slice(0, -4)).sort();
    } catch {
      return [];
    }
    return names.flatMap((name) => {
      try {
        return [describeKey(this.load(name), name)];
      } catch {
        return []; // not a key we can use: `keys show` on it says why
      }
    });
  }

  /** A key by name (in the store) or by the path of a PEM file. */
  load(nameOrPath: string): KeyObject {
    const file = KEY_NAME.test(nameOrPath) && !fs.existsSync(nameOrPath) ? this.file(nameOrPath) : path.resolve(nameOrPath);
    let pem: string;
    try {
      pem = fs.readFileSync(file, 'utf8');
    } catch {
      throw new MqbError('LOCAL_IO', `no signing key "${nameOrPath}" (looked for ${file}; \`mqboard keys generate\` makes one)`);
    }
    try {
      return pem.includes('PRIVATE KEY') ? createPrivateKey(pem) : createPublicKey(pem);
    } catch (err) {
      throw new MqbError('LOCAL_IO', `${file}: not a PEM key (${(err as Error).message})`);
    }
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.pem`);
  }
}
