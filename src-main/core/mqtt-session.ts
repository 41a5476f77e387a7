// One MQTT connection per broker profile, shared by everything the console does on that broker:
// reference-counted subscriptions (one SUBSCRIBE per filter however many handlers want it,
// restored after a reconnect), publish that resolves on PUBACK, connection state events, and
// connect errors turned into MqbErrors whose messages never contain a secret.
import { EventEmitter } from 'node:events';
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { MqbError } from '../common/errors.js';
import type { BrokerProfile } from './broker-profile.js';
import { describeProfile } from './broker-profile.js';
import { compileFilter } from './topic-matcher.js';
import { classifyConnectError } from './connect-errors.js';
import { certificatePem, checkTlsMaterial, privateKeyPem } from './tls-material.js';

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
  qos: 0 | 1;
  /** The broker acknowledged it once: restored by us after a reconnect. */
  acked: boolean;
  matches: (topic: string) => boolean;
}

/**
 * Turns Nagle's algorithm off on the connection. The console writes small packets (commands, and
 * 4 KB stream messages that are small next to the loopback MSS) and waits for their answers:
 * with Nagle each one can wait for the peer's delayed ACK (up to 40 ms). A WebSocket stream has
 * no such method (the ws library sets TCP_NODELAY on its socket itself).
 */
export function sendAtOnce(stream: unknown): void {
  const s = stream as { setNoDelay?: (on: boolean) => unknown } | undefined;
  if (typeof s?.setNoDelay === 'function') s.setNoDelay(true);
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function clientOptions(profile: BrokerProfile, connectTimeoutMs: number, reconnectMs: number): IClientOptions {
  const opts: IClientOptions = {
    clean: profile.clean ?? true,
    clientId: profile.clientId ?? `mqboard-${Math.random().toString(36).slice(2, 10)}`,
    connectTimeout: connectTimeoutMs,
    // The first connect is retried by us (it fails fast); reconnects after that by mqtt.js.
    reconnectPeriod: reconnectMs,
    // MqttSession restores its subscriptions itself, before anything queued meanwhile is sent.
    resubscribe: false,
    rejectUnauthorized: profile.insecure !== true,
  };
  if (profile.username !== undefined) opts.username = profile.username;
  if (profile.password !== undefined) opts.password = profile.password;
  const material = {
    ...(profile.ca && { ca: certificatePem(profile.ca, 'CA certificate') }),
    ...(profile.cert && { cert: certificatePem(profile.cert, 'client certificate') }),
    ...(profile.key && { key: privateKeyPem(profile.key) }),
  };
  checkTlsMaterial(material);
  return { ...opts, ...material };
}

export class MqttSession extends EventEmitter<SessionEvents> {
  private readonly subs = new Map<string, Subscription>();
  private current: SessionState = 'connecting';
  /** Shut while the connection is down and until its subscriptions are back: publishes wait. */
  private gate: { wait: Promise<void>; open: () => void } | undefined;
  private connections = 0;

  private constructor(
    private readonly client: MqttClient,
    readonly profile: BrokerProfile,
    private readonly log: (message: string) => void,
  ) {
    super();
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, { retain: packet.retain, dup: packet.dup }));
    // Reconnects: ahead of mqtt.js's own 'connect' listener, which sends what it queued.
    client.prependListener('connect', (connack) => this.reconnected(connack.sessionPresent));
    client.on('close', () => this.shutGate());
    client.on('connect', () => this.setState('online'));
    client.on('reconnect', () => this.setState('reconnecting'));
    client.on('offline', () => this.setState('offline'));
    client.on('error', (err) => this.log(`broker ${describeProfile(profile)}: ${classifyConnectError(err, profile).message}`));
  }

  /** Connects; rejects with BROKER_DOWN, AUTH or TLS (messages without secrets). */
  static async open(profile: BrokerProfile, opts: SessionOptions = {}): Promise<MqttSession> {
    const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const client = mqtt.connect(profile.url, { ...clientOptions(profile, timeoutMs, opts.reconnectMs ?? 2_000), manualConnect: true });
    // The first connection (the session's own listener does it for reconnects).
    client.prependOnceListener('connect', () => sendAtOnce(client.stream));
    await new Promise<void>((resolve, reject) => {
      const fail = (err: MqbError) => {
        cleanup();
        try {
          client.end(true);
        } catch {
          /* a client that never got its stream has nothing to end */
        }
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
      try {
        client.connect();
      } catch (err) {
        fail(classifyConnectError(err as Error, profile));
      }
    });
    const session = new MqttSession(client, profile, opts.logger ?? (() => {}));
    session.setState('online');
    return session;
  }

  get state(): SessionState {
    return this.current;
  }

  /** Broker subscriptions held (one per filter): what a fleet costs the broker (bench/fleet-scale). */
  get subscriptionCount(): number {
    return this.subs.size;
  }

  /**
   * Adds a handler for a topic filter; the broker SUBSCRIBE is sent only for the first handler of
   * a filter. Resolves once the broker acknowledged it, with the function that removes the handler.
   */
  async subscribe(filter: string, handler: MessageHandler, qos: 0 | 1 = 1): Promise<() => Promise<void>> {
    if (this.current === 'closed') throw new MqbError('BROKER_DOWN', 'the broker session is closed');
    let sub = this.subs.get(filter);
    if (!sub) {
      const created: Subscription = { handlers: new Set(), ready: Promise.resolve(), qos, acked: false, matches: compileFilter(filter) };
      created.ready = this.sendSubscribe(filter, qos).then(() => void (created.acked = true));
      sub = created;
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

  /**
   * QoS 1 resolves on the PUBACK. While the connection is down, and until the subscriptions are
   * restored after it came back, the message waits: a command sent then must not reach a board
   * before the broker routes the board's replies to us again.
   */
  async publish(topic: string, payload: Uint8Array | string, opts: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    if (this.gate) await this.gate.wait;
    if (this.current === 'closed') throw new MqbError('BROKER_DOWN', 'the broker session is closed');
    const body = typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    await this.client.publishAsync(topic, body, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
  }

  async close(): Promise<void> {
    if (this.current === 'closed') return;
    this.setState('closed');
    this.subs.clear();
    this.openGate(); // what waits fails now: the session is closed
    await this.client.endAsync();
  }

  private setState(s: SessionState): void {
    if (this.current === s || (this.current === 'closed' && s !== 'closed')) return;
    this.current = s;
    this.emit('state', s);
  }

  /** SUBSCRIBE; resolves on the SUBACK, rejects AUTH (refused) or BROKER_DOWN. */
  private sendSubscribe(filter: string, qos: 0 | 1): Promise<void> {
    const refused = () => new MqbError('AUTH', `the broker refused the subscription to ${filter} (not authorized for this user)`);
    return this.client.subscribeAsync(filter, { qos }).then(
      (granted) => {
        if (granted.some((g) => g.qos >= 0x80)) throw refused();
      },
      (err: Error & { packet?: { granted?: Array<number | { qos: number }> } }) => {
        // mqtt.js rejects a SUBACK failure code (0x80 and up) itself, the SUBACK attached.
        const codes = (err.packet?.granted ?? []).map((g) => (typeof g === 'number' ? g : g.qos));
        throw codes.some((c) => c >= 0x80) ? refused() : new MqbError('BROKER_DOWN', `subscribing to ${filter} failed: ${err.message}`);
      },
    );
  }

  private reconnected(sessionPresent: boolean | undefined): void {
    sendAtOnce(this.client.stream);
    const connection = ++this.connections;
    void this.restoreSubscriptions(sessionPresent).then(() => {
      // Not if this connection dropped meanwhile: the next one restores again.
      if (connection === this.connections && this.client.connected) this.openGate();
    });
  }

  /**
   * After a reconnect the broker forgot a clean session's subscriptions: subscribe again; resolves
   * on the SUBACKs. Subscriptions whose first SUBACK never came are left to their own SUBSCRIBE
   * (mqtt.js queued it, or failed it when the connection dropped).
   */
  private restoreSubscriptions(sessionPresent: boolean | undefined): Promise<unknown> {
    if (this.current === 'closed' || (sessionPresent && this.profile.clean === false)) return Promise.resolve();
    const restored: Array<Promise<void>> = [];
    for (const [filter, sub] of this.subs) {
      if (!sub.acked) continue;
      // Never a rejection: that would make the next subscriber drop the filter's other handlers.
      sub.ready = this.sendSubscribe(filter, sub.qos).catch((err: Error) => this.log(`restoring the subscription to ${filter} failed: ${err.message}`));
      restored.push(sub.ready);
    }
    return Promise.all(restored);
  }

  private shutGate(): void {
    if (this.gate || this.current === 'closed') return;
    let open!: () => void;
    const wait = new Promise<void>((resolve) => (open = resolve));
    this.gate = { wait, open };
  }

  private openGate(): void {
    const gate = this.gate;
    this.gate = undefined;
    gate?.open();
  }

  private dispatch(topic: string, payload: Uint8Array, meta: MessageMeta): void {
    for (const [filter, sub] of this.subs) {
      if (!sub.matches(topic)) continue;
      // A handler may add or remove handlers: the ones called are those there were on arrival.
      if (sub.handlers.size === 1) this.call(filter, sub.handlers.values().next().value!, topic, payload, meta);
      else for (const h of [...sub.handlers]) this.call(filter, h, topic, payload, meta);
    }
  }

  private call(filter: string, h: MessageHandler, topic: string, payload: Uint8Array, meta: MessageMeta): void {
    try {
      h(topic, payload, meta);
    } catch (err) {
      this.log(`handler for ${filter} failed: ${(err as Error).message}`);
    }
  }
}
