// How the console reaches a broker (a "broker profile"), and the option/environment parsing the
// CLI shares with the other front ends: compatible with the original mqboard's `--server`,
// `--port`, `--tls`, `--topic` and MQBOARD_* variables, plus user, password, CA and insecure.
import { DEFAULT_DISCOVERY, validatePrefix } from '../common/protocol.js';
import { MqbError } from '../common/errors.js';

export interface BrokerProfile {
  id: string;
  name: string;
  /** mqtt://, mqtts://, ws:// or wss:// with host and port. */
  url: string;
  username?: string;
  password?: string;
  /** CA certificate: a PEM/DER file path or PEM text. */
  ca?: string;
  /** Client certificate and key (PEM file paths). */
  cert?: string;
  key?: string;
  /** Skip the broker certificate check (testing only; the CLI warns). */
  insecure?: boolean;
  /** Clean session (default true): the console keeps no state at the broker. */
  clean?: boolean;
  clientId?: string;
  /** Status topic patterns that discover boards (default DEFAULT_DISCOVERY). */
  discovery?: string[];
}

export const DEFAULT_BROKER_URL = 'mqtt://127.0.0.1:1883';
export const DEFAULT_TIMEOUT_S = 10;

/** The connection options as commander hands them over (all strings or flags). */
export interface ConnectionOptions {
  server?: string;
  port?: string;
  tls?: boolean;
  user?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  prefix?: string;
  topic?: string;
  timeout?: string;
}

export interface ResolvedConnection {
  profile: BrokerProfile;
  /** The board prefix, when one was given (option or MQBOARD_PREFIX / MQBOARD_TOPIC). */
  prefix?: string;
  timeoutMs: number;
}

type Env = Record<string, string | undefined>;

const SCHEMES = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:']);
const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v);

function parsePort(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new MqbError('USAGE', `${what} must be a port number from 1 to 65535 (got "${text}")`);
  return n;
}

/** Builds the broker URL from --server (a host name or a URL), --port and --tls. */
export function brokerUrl(server: string | undefined, port: string | undefined, tls: boolean): string {
  if (!server) {
    if (!port && !tls) return DEFAULT_BROKER_URL;
    server = '127.0.0.1';
  }
  if (server.includes('://')) {
    let u: URL;
    try {
      u = new URL(server);
    } catch {
      throw new MqbError('USAGE', `invalid broker URL "${server}" (expected mqtt://host:port, mqtts://, ws:// or wss://)`);
    }
    if (!SCHEMES.has(u.protocol)) throw new MqbError('USAGE', `unsupported broker URL scheme "${u.protocol}" (use mqtt://, mqtts://, ws:// or wss://)`);
    if (!u.hostname) throw new MqbError('USAGE', `broker URL "${server}" has no host`);
    if (u.username || u.password) throw new MqbError('USAGE', 'put the user name and password in --user / --password (or MQBOARD_PASSWORD), not in the URL');
    if (tls && u.protocol === 'mqtt:') u.protocol = 'mqtts:';
    if (tls && u.protocol === 'ws:') u.protocol = 'wss:';
    if (port) u.port = String(parsePort(port, '--port'));
    return u.href.replace(/\/$/, '');
  }
  if (/[/\s]/.test(server)) throw new MqbError('USAGE', `invalid broker host "${server}"`);
  const host = server.includes(':') && !server.startsWith('[') ? `[${server}]` : server;
  const p = port ? parsePort(port, '--port') : tls ? 8883 : 1883;
  return `${tls ? 'mqtts' : 'mqtt'}://${host}:${p}`;
}

/** Options first, then MQBOARD_* variables, then the defaults. Never reads files or prompts. */
export function resolveConnection(opts: ConnectionOptions, env: Env = process.env): ResolvedConnection {
  const tls = opts.tls === true || truthy(env.MQBOARD_TLS);
  const url = brokerUrl(opts.server ?? env.MQBOARD_SERVER, opts.port ?? env.MQBOARD_PORT, tls);
  const username = opts.user ?? env.MQBOARD_USER;
  const password = opts.password ?? env.MQBOARD_PASSWORD;
  const ca = opts.ca ?? env.MQBOARD_CA;
  const cert = opts.cert ?? env.MQBOARD_CERT;
  const key = opts.key ?? env.MQBOARD_KEY;
  const insecure = opts.insecure === true || truthy(env.MQBOARD_INSECURE);
  const prefix = opts.prefix ?? opts.topic ?? env.MQBOARD_PREFIX ?? env.MQBOARD_TOPIC;
  if (prefix !== undefined) {
    const bad = validatePrefix(prefix);
    if (bad) throw new MqbError('USAGE', bad);
  }
  const timeoutText = opts.timeout ?? env.MQBOARD_TIMEOUT;
  const timeoutS = timeoutText === undefined ? DEFAULT_TIMEOUT_S : Number(timeoutText);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new MqbError('USAGE', `--timeout must be a positive number of seconds (got "${timeoutText}")`);
  const profile: BrokerProfile = {
    id: 'cli',
    name: username ? `${username}@${url}` : url,
    url,
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
    ...(insecure && { insecure }),
    discovery: env.MQBOARD_DISCOVERY ? env.MQBOARD_DISCOVERY.split(',').map((s) => s.trim()).filter(Boolean) : [...DEFAULT_DISCOVERY],
  };
  return { profile, ...(prefix !== undefined && { prefix }), timeoutMs: Math.round(timeoutS * 1000) };
}

/** The URL for messages: never the password. */
export function describeProfile(p: BrokerProfile): string {
  return p.username ? `${p.url} as ${p.username}` : p.url;
}
