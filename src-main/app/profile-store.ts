// The broker profiles the console knows: saved as JSON in the app's data directory (owner-only),
// passwords encrypted by the platform's secret store (Electron safeStorage: Keychain, DPAPI,
// libsecret). Without one (the web mode, or no keyring), passwords live in memory only and are
// never written in clear. Built-in profiles (the embedded demo) are neither saved nor editable.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProfileInput } from '../common/contract.js';
import { MqbError } from '../common/errors.js';
import { DEFAULT_DISCOVERY } from '../common/protocol.js';
import type { BrokerProfile } from '../core/broker-profile.js';

/** Encrypts secrets for storage at rest (Electron: safeStorage). */
export interface SecretCodec {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

interface StoredProfile extends Omit<BrokerProfile, 'password'> {
  /** The password as the SecretCodec encrypted it. */
  secret?: string;
}

export interface ProfileStoreOptions {
  /** JSON file the profiles are kept in; none = memory only. */
  file?: string;
  secrets?: SecretCodec;
  builtin?: BrokerProfile[];
  log?: (msg: string) => void;
}

export class ProfileStore {
  private readonly profiles = new Map<string, BrokerProfile>();
  private readonly builtin = new Set<string>();

  constructor(private readonly opts: ProfileStoreOptions = {}) {
    for (const p of opts.builtin ?? []) {
      this.profiles.set(p.id, p);
      this.builtin.add(p.id);
    }
    this.load();
  }

  list(): BrokerProfile[] {
    return [...this.profiles.values()];
  }

  has(id: string): boolean {
    return this.profiles.has(id);
  }

  get(id: string): BrokerProfile {
    const p = this.profiles.get(id);
    if (!p) throw new MqbError('USAGE', `no broker profile "${id}"`);
    return p;
  }

  isBuiltin(id: string): boolean {
    return this.builtin.has(id);
  }

  /** Creates or updates a profile; an omitted password keeps the stored one, '' forgets it. */
  save(input: ProfileInput): BrokerProfile {
    if (input.id !== undefined && this.builtin.has(input.id)) throw new MqbError('USAGE', `the profile "${input.id}" is built in and cannot be changed`);
    checkBrokerUrl(input.url);
    const old = input.id !== undefined ? this.get(input.id) : undefined;
    const id = old?.id ?? newProfileId(input.name, (x) => this.profiles.has(x));
    const { password, id: _id, ...rest } = input;
    const profile: BrokerProfile = { ...rest, id, discovery: input.discovery?.length ? input.discovery : [...DEFAULT_DISCOVERY] };
    const kept = password === undefined ? old?.password : password === '' ? undefined : password;
    if (kept !== undefined) profile.password = kept;
    this.profiles.set(id, profile);
    this.persist();
    return profile;
  }

  remove(id: string): void {
    if (this.builtin.has(id)) throw new MqbError('USAGE', `the profile "${id}" is built in and cannot be removed`);
    this.get(id);
    this.profiles.delete(id);
    this.persist();
  }

  private load(): void {
    const file = this.opts.file;
    if (!file || !fs.existsSync(file)) return;
    let stored: StoredProfile[];
    try {
      stored = (JSON.parse(fs.readFileSync(file, 'utf8')) as { profiles?: StoredProfile[] }).profiles ?? [];
    } catch (err) {
      // Keep the damaged file for the user to look at; start with no saved profiles.
      this.opts.log?.(`mqboard: ${file} is not valid JSON (${(err as Error).message}); it is left as it is and no saved profile is loaded`);
      return;
    }
    for (const { secret, ...p } of stored) {
      if (typeof p.id !== 'string' || this.builtin.has(p.id)) continue;
      const profile: BrokerProfile = { ...p };
      if (secret !== undefined && this.opts.secrets) {
        try {
          profile.password = this.opts.secrets.decrypt(secret);
        } catch {
          this.opts.log?.(`mqboard: the saved password of profile "${p.name}" cannot be decrypted (another user or machine?); enter it again`);
        }
      }
      this.profiles.set(p.id, profile);
    }
  }

  private persist(): void {
    const file = this.opts.file;
    if (!file) return;
    const stored: StoredProfile[] = [];
    for (const p of this.profiles.values()) {
      if (this.builtin.has(p.id)) continue;
      const { password, ...rest } = p;
      stored.push(password !== undefined && this.opts.secrets ? { ...rest, secret: this.opts.secrets.encrypt(password) } : rest);
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify({ profiles: stored }, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  }
}

function checkBrokerUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new MqbError('USAGE', `"${url}" is not a broker URL (mqtt://host:port, mqtts://, ws:// or wss://)`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(u.protocol)) throw new MqbError('USAGE', `unsupported broker URL scheme "${u.protocol}"`);
  if (!u.hostname) throw new MqbError('USAGE', `the broker URL "${url}" has no host`);
  if (u.username || u.password) throw new MqbError('USAGE', 'put the user name and password in their own fields, not in the URL');
}

function newProfileId(name: string, taken: (id: string) => boolean): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'broker';
  for (let id = base, n = 2; ; id = `${base}-${n++}`) {
    if (!taken(id)) return id;
    if (n > 1000) return `${base}-${randomBytes(4).toString('hex')}`;
  }
}
