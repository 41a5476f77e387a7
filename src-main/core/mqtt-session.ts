// One MQTT connection per broker profile, shared by everything the console does on that broker:
// reference-counted subscriptions (one SUBSCRIBE per filter however many handlers want it),
// publish that resolves on PUBACK, connection state events, and connect errors turned into
// MqbErrors whose messages never contain a secret.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { MqbError } from '../common/errors.js';
import type { BrokerProfile } from './broker-profile.js';
import { describeProfile } from './broker-profile.js';
import { classifyConnectError } from './connect-errors.js';
import { topicMatches } from './topic-filter.js';

export type SessionState = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'closed';
export type MessageMeta = { retain: boolean; dup: boolean };
export type MessageHandler = (topic: string, payload: Uint8Array, meta: MessageMeta) => void;

export interface SessionEvents {
  state: [SessionState];
}

export interface SessionOptions {
  connectTimeoutMs?: number;
  logger?: (message: string) => void;
  /** Delay between reconnect attempts once the first connection succeeded. */
  reconnectMs?: number;
}

interface Subscription {
  handlers: Set<MessageHandler>;
  ready: Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** A CA given as PEM text is used as is; anything else is a file name. */
function readCa(ca: string): string | Buffer {
  if (ca.includes('-----BEGIN')) return ca;
  try {
    return fs.readFileSync(ca);
  } catch (e) {
    throw new MqbError('LOCAL_IO', `cannot read the CA certificate ${ca}: ${(e as Error).message}`);
  }
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new MqbError('LOCAL_IO', `cannot read the client ${what} ${file}: ${(e as Error).message}`);
  }
}

export function clientOptions(profile: BrokerProfile, connectTimeoutMs: number, reconnectMs: number): IClientOptions {
  const opts: IClientOptions = {
    clean: profile.clean ?? true,
    clientId: profile.clientId ?? `mqboard-${Math.random().toString(36).slice(2, 10)}`,
    connectTimeout: connectTimeoutMs,
    // The first connect is retried by us (it fails fast); reconnects after that by mqtt.js.
    reconnectPeriod: reconnectMs,
    resubscribe: true,
    rejectUnauthorized: profile.insecure !== true,
  };
  if (profile.username !== undefined) opts.username = profile.username;
  if (profile.password !== undefined) opts.password = profile.password;
  if (profile.ca) opts.ca = readCa(profile.ca);
  if (profile.cert) opts.cert = readPem(profile.cert, 'certificate');
  if (profile.key) opts.key = readPem(profile.key, 'key');
  return opts;
}

export class MqttSession extends EventEmitter<SessionEvents> {
  private readonly subs = new Map<string, Subscription>();
  private current: SessionState = 'connecting';

  private constructor(
    private readonly client: MqttClient,
    readonly profile: BrokerProfile,
    private readonly log: (message: string) => void,
  ) {
    super();
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, { retain: packet.retain, dup: packet.dup }));
    client.on('connect', () => this.setState('online'));
    client.on('reconnect', () => this.setState('reconnecting'));
    client.on('offline', () => this.setState('offline'));
    client.on('error', (err) => this.log(`broker ${describeProfile(profile)}: ${classifyConnectError(err, profile).message}`));
  }

  /** Connects; rejects with BROKER_DOWN, AUTH or TLS (messages without secrets). */
  static async open(profile: BrokerProfile, opts: SessionOptions = {}): Promise<MqttSession> {
    const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = mqtt.connect(profile.url, { ...clientOptions(profile, timeoutMs, opts.reconnectMs ?? 2_000), manualConnect: true });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: MqbError) => {
        cleanup();
        client.end(true);
        reject(err);
      };
      const onError = (err: Error) => fail(classifyConnectError(err, profile));
      // mqtt.js retries refused connections forever; the first one failing means "broker down".
      const onClose = () => fail(new MqbError('BROKER_DOWN', `cannot reach the broker at ${describeProfile(profile)}: connection closed`));
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => fail(new MqbError('BROKER_DOWN', `no answer from the broker at ${describeProfile(profile)} within ${timeoutMs / 1000} s`)), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        client.off('error', onError);
        client.off('close', onClose);
        client.off('connect', onConnect);
      };
      client.on('error', onError);
      client.on('close', onClose);
      client.on('connect', onConnect);
      client.connect();
    });
    const session = new MqttSession(client, profile, opts.logger ?? (() => {}));
    session.setState('online');
    return session;
  }

  get state(): SessionState {
    return this.current;
  }

  /**
   * Adds a handler for a topic filter; the broker SUBSCRIBE is sent only for the first handler of
   * a filter. Resolves once the broker acknowledged it, with the function that removes the handler.
   */
  async subscribe(filter: string, handler: MessageHandler, qos: 0 | 1 = 1): Promise<() => Promise<void>> {
    if (this.current === 'closed') throw new MqbError('BROKER_DOWN', 'the broker session is closed');
    let sub = this.subs.get(filter);
    if (!sub) {
      const refused = () => new MqbError('AUTH', `the broker refused the subscription to ${filter} (not authorized for this user)`);
      const ready = this.client.subscribeAsync(filter, { qos }).then(
        (granted) => {
          if (granted.some((g) => g.qos >= 0x80)) throw refused();
        },
        (err: Error & { packet?: { granted?: Array<number | { qos: number }> } }) => {
          // mqtt.js rejects a SUBACK failure code (0x80 and up) itself, the SUBACK attached.
          const codes = (err.packet?.granted ?? []).map((g) => (typeof g === 'number' ? g : g.qos));
          throw codes.some((c) => c >= 0x80) ? refused() : new MqbError('BROKER_DOWN', `subscribing to ${filter} failed: ${err.message}`);
        },
      );
      sub = { handlers: new Set(), ready };
      this.subs.set(filter, sub);
    }
    const entry = sub;
    entry.handlers.add(handler);
    try {
      await entry.ready;
    } catch (err) {
      entry.handlers.delete(handler);
      if (this.subs.get(filter) === entry) this.subs.delete(filter);
      throw err;
    }
    let removed = false;
    return async () => {
      if (removed) return;
      removed = true;
      entry.handlers.delete(handler);
      if (entry.handlers.size > 0 || this.subs.get(filter) !== entry) return;
      this.subs.delete(filter);
      if (this.current === 'closed') return;
      // A broker gone meanwhile forgets the subscription anyway (clean session).
      await this.client.unsubscribeAsync(filter).catch(() => {});
    };
  }

  async publish(topic: string, payload: Uint8Array | string, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (this.current === 'closed') throw new MqbError('BROKER_DOWN', 'the broker session is closed');
    const body = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    await this.client.publishAsync(topic, body, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  }

  async close(): Promise<void> {
    if (this.current === 'closed') return;
    this.setState('closed');
    this.subs.clear();
    await this.client.endAsync();
  }

  private setState(s: SessionState): void {
    if (this.current === s || (this.current === 'closed' && s !== 'closed')) return;
    this.current = s;
    this.emit('state', s);
  }

  private dispatch(topic: string, payload: Uint8Array, meta: MessageMeta): void {
    for (const [filter, sub] of this.subs) {
      if (!topicMatches(filter, topic)) continue;
      for (const h of [...sub.handlers]) {
        try {
          h(topic, payload, meta);
        } catch (err) {
          this.log(`handler for ${filter} failed: ${(err as Error).message}`);
        }
      }
    }
  }
}
