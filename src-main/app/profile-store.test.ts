import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileStore } from './profile-store.js';
import type { SecretCodec } from './profile-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-profiles-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const newFile = () => path.join(dir, `profiles-${n++}.json`);

/** Reversible but visibly not the plain text, like safeStorage output. */
const codec: SecretCodec = {
  encrypt: (s) => Buffer.from(`enc:${s}`).toString('base64'),
  decrypt: (s) => Buffer.from(s, 'base64').toString().replace(/^enc:/, ''),
};

describe('broker profiles', () => {
  it('keeps the password when a save omits it, forgets it on an empty one', () => {
    const store = new ProfileStore();
    const p = store.save({ name: 'Lab broker', url: 'mqtts://broker.lab:8883', username: 'me', password: 's3cret' });
    expect(p).toMatchObject({ id: 'lab-broker', password: 's3cret', discovery: ['+/mqb/status', '+/+/mqb/status', '+/+/+/mqb/status'] });
    expect(store.save({ id: p.id, name: 'Lab', url: p.url }).password).toBe('s3cret');
    expect(store.save({ id: p.id, name: 'Lab', url: p.url, password: '' }).password).toBeUndefined();
    expect(store.save({ name: 'Lab broker', url: p.url }).id).toBe('lab-broker-2');
  });

  it('writes passwords only encrypted, owner-readable, and reads them back', () => {
    const file = newFile();
    new ProfileStore({ file, secrets: codec }).save({ name: 'lab', url: 'mqtt://h:1883', password: 's3cret' });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('s3cret');
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    expect(new ProfileStore({ file, secrets: codec }).get('lab').password).toBe('s3cret');
  });

  it('never writes a password without a secret store: it lives in memory only', () => {
    const file = newFile();
    const store = new ProfileStore({ file });
    store.save({ name: 'lab', url: 'mqtt://h:1883', password: 's3cret' });
    expect(store.get('lab').password).toBe('s3cret');
    expect(fs.readFileSync(file, 'utf8')).not.toContain('s3cret');
    expect(new ProfileStore({ file }).get('lab').password).toBeUndefined();
  });

  it('refuses bad URLs, credentials in the URL, and changes to built-in profiles', () => {
    const store = new ProfileStore({ builtin: [{ id: 'demo', name: 'Demo', url: 'mqtt://127.0.0.1:1' }] });
    expect(() => store.save({ name: 'x', url: 'mqtt://user:pw@host:1883' })).toThrow('put the user name and password in their own fields, not in the URL');
    expect(() => store.save({ name: 'x', url: 'http://host' })).toThrow('unsupported broker URL scheme "http:"');
    expect(() => store.save({ id: 'demo', name: 'x', url: 'mqtt://h:1' })).toThrow('the profile "demo" is built in and cannot be changed');
    expect(() => store.remove('demo')).toThrow('built in');
    expect(() => store.remove('nope')).toThrow('no broker profile "nope"');
  });

  it('keeps built-in profiles out of the file, and survives a damaged file', () => {
    const file = newFile();
    new ProfileStore({ file, builtin: [{ id: 'demo', name: 'Demo', url: 'mqtt://127.0.0.1:1', password: 'x' }] }).save({ name: 'lab', url: 'mqtt://h:1' });
    expect(fs.readFileSync(file, 'utf8')).not.toContain('demo');
    fs.writeFileSync(file, '{"profiles": [');
    const logs: string[] = [];
    expect(new ProfileStore({ file, log: (m) => logs.push(m) }).list()).toEqual([]);
    expect(logs[0]).toMatch(/is not valid JSON/);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"profiles": [');
  });
});
