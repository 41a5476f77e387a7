import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signedMessage } from '../common/signing.js';
import { putTail, otaTail } from '../common/protocol.js';
import { signatureFor } from './signature-for.js';
import { SigningKeyStore, boardConfigEntry, describeKey, signerFor } from './update-signing.js';

const tempStore = () => new SigningKeyStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-keys-')), 'keys'));
const SHA = 'ab'.repeat(32);

describe('signing keys', () => {
  it('generates an RSA-2048 key only the user can read, never over an existing one, and lists it', () => {
    const store = tempStore();
    const info = store.generate('fleet-2026');
    expect(info).toMatchObject({ name: 'fleet-2026', bits: 2048, id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const file = path.join(store.dir, 'fleet-2026.pem');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(() => store.generate('fleet-2026')).toThrow(/exists already/);
    expect(() => store.generate('../evil')).toThrow(/key name/);
    expect(store.list().map((k) => k.id)).toEqual([info.id]);
    expect(describeKey(store.load(file), 'by path').id).toBe(info.id);
    expect(() => store.load('nope')).toThrow(expect.objectContaining({ code: 'LOCAL_IO', message: expect.stringMatching(/no signing key "nope".*keys generate/) }));
  });

  it('signs the message the board checks, with the key id in front', () => {
    const store = tempStore();
    store.generate('k');
    const token = signerFor(store.load('k'), 'k')('put', '/lib/app.py', SHA);
    const [id, sig] = token.split('.') as [string, string];
    expect(id).toBe(store.list()[0]!.id);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{342}$/); // base64url: no '+', '/' or '=' that would break a topic
    const pub = createPublicKey(store.load('k'));
    const ok = (kind: 'put' | 'ota', target: string) => verify('sha256', Buffer.from(signedMessage(kind, target, SHA)), pub, Buffer.from(sig, 'base64url'));
    expect(ok('put', '/lib/app.py')).toBe(true);
    expect(ok('put', '/boot.py')).toBe(false); // bound to the path
    expect(ok('ota', '')).toBe(false); // and to the command
  });

  it('refuses keys a board cannot verify: too short, not RSA, public only for signing', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => describeKey(weak, 'weak')).toThrow(/1024-bit key is too weak/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(() => describeKey(ec, 'ec')).toThrow(/not an RSA key/);
    const pub = createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect(() => signerFor(pub, 'pub')).toThrow(/public key cannot sign/);
  });

  it('renders the board_config entry with every key, for a rotation', () => {
    const store = tempStore();
    const a = store.generate('old');
    const b = store.generate('new');
    const entry = boardConfigEntry([a, b], false);
    expect(entry).toContain('"require": False');
    expect(entry).toContain(`"${a.id}": "${a.modulus}",  # old`);
    expect(entry).toContain(`"${b.id}": "${b.modulus}",  # new`);
    expect(Buffer.from(a.modulus, 'base64')).toHaveLength(256);
  });
});

describe('signed tails', () => {
  it('puts the signature first and signs only for boards that verify', () => {
    expect(putTail('/a.py', SHA, 'id.sig')).toBe(`sig=id.sig/sha256=${SHA}//a.py`);
    expect(otaTail(SHA, 8192, 'id.sig')).toBe(`sig=id.sig/${SHA}/8192`);
    expect(otaTail(SHA)).toBe(SHA);
    const sign = () => 'id.sig';
    expect(signatureFor({ prefix: 'p', caps: ['put', 'sig'] }, sign, 'put', '/a', SHA)).toBe('id.sig');
    expect(signatureFor({ prefix: 'p', caps: ['put'] }, undefined, 'put', '/a', SHA)).toBeUndefined();
    expect(() => signatureFor({ prefix: 'old/board', caps: ['put'] }, sign, 'put', '/a', SHA)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(/old\/board does not verify signed updates/) }));
  });
});
