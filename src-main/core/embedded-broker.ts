// The console's default broker: aedes running in-process, listening on loopback only.
//
// aedes 1.x removed the `aedes()` factory (its default export now throws): brokers are
// made with the async `Aedes.createBroker()`, and the transport (net/tls servers) is ours.
import { Aedes } from 'aedes';
import type { AuthenticateError, Client } from 'aedes';
import { timingSafeEqual } from 'node:crypto';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

export interface EmbeddedBrokerOptions {
  /** Interface to bind; loopback by default so boards' traffic never leaves the machine unasked. */
  host?: string;
  /** Plain MQTT port; 0 (default) picks a free one. */
  port?: number;
  /** PEM key and certificate: adds a TLS listener (MQTT over TLS). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** TLS port; 0 (default) picks a free one. Ignored without `tls`. */
  tlsPort?: number;
  /** username → password. When given, anonymous clients and wrong passwords are refused. */
  users?: Record<string, string>;
  /** 'prefix': a client may only publish/subscribe to its username and topics under `<username>/`. */
  acl?: 'prefix';
  /** Users the prefix ACL does not confine (the console that manages the whole fleet). */
  admins?: string[];
}

export interface EmbeddedBroker {
  url: string;
  port: number;
  tlsUrl?: string;
  tlsPort?: number;
  broker: Aedes;
  close(): Promise<void>;
}

// MQTT 3.1.1 CONNACK return codes (AuthErrorCode is a const enum, unusable with isolatedModules).
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const CLOSE_TIMEOUT_MS = 2_000;

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

// Constant-time so the password check leaks nothing through timing.
function passwordMatches(expected: string, given: Buffer | undefined): boolean {
  if (!given) return false;
  const expectedBytes = Buffer.from(expected, 'utf8');
  return expectedBytes.length === given.length && timingSafeEqual(expectedBytes, given);
}

/** Same rule as mosquitto's `pattern readwrite %u/#`: the username itself and everything below it. */
export function topicInUserPrefix(username: string | undefined, topic: string): boolean {
  // A username with wildcards would widen the pattern, mosquitto refuses those too.
  if (!username || /[+#]/.test(username)) return false;
  return topic === username || topic.startsWith(`${username}/`);
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

// Remember every socket so close() can drop connections aedes does not know about yet
// (TLS handshakes in progress, clients that never sent CONNECT).
function trackSockets(server: Server, sockets: Set<Socket>): void {
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

function installAuth(broker: Aedes, opts: EmbeddedBrokerOptions): void {
  const users = opts.users ? new Map(Object.entries(opts.users)) : undefined;
  // aedes clients do not keep the username; the ACL needs it.
  const usernames = new WeakMap<Client, string>();

  broker.authenticate = (client, username, password, done) => {
    if (users) {
      const expected = username === undefined ? undefined : users.get(username);
      if (expected === undefined) {
        return done(authError('not authorized', username === undefined ? NOT_AUTHORIZED : BAD_USERNAME_OR_PASSWORD), false);
      }
      if (!passwordMatches(expected, password)) {
        return done(authError('bad user name or password', BAD_USERNAME_OR_PASSWORD), false);
      }
    }
    if (username !== undefined) usernames.set(client, username);
    done(null, true);
  };

  const defaultAuthorizePublish = broker.authorizePublish.bind(broker);
  if (opts.acl !== 'prefix') return;
  const admins = new Set(opts.admins ?? []);
  const allowed = (client: Client, topic: string) => {
    const user = usernames.get(client);
    return (user !== undefined && admins.has(user)) || topicInUserPrefix(user, topic);
  };

  broker.authorizePublish = (client, packet, callback) => {
    // client is null only for broker-internal will publishes of clients already gone.
    if (client && !allowed(client, packet.topic)) {
      // aedes then closes the client: allowed by MQTT-3.3.5-2 (mosquitto drops silently instead).
      return callback(new Error(`publish to ${packet.topic} not allowed`));
    }
    defaultAuthorizePublish(client, packet, callback);
  };
  broker.authorizeSubscribe = (client, subscription, callback) => {
    // null subscription = SUBACK failure code 0x80, like mosquitto does.
    callback(null, allowed(client, subscription.topic) ? subscription : null);
  };
  broker.authorizeForward = (client, packet) => (allowed(client, packet.topic) ? packet : null);
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = opts.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker();
  installAuth(broker, opts);

  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const handle = (socket: Socket): void => {
    // Send every packet at once: with Nagle's algorithm a small one (a PUBACK, a board's
    // "SEQ n" ack) waits for the peer's delayed ACK, ~40 ms per round trip (bench/engine.bench.ts).
    socket.setNoDelay(true);
    broker.handle(socket);
  };

  const closeAll = async (): Promise<void> => {
    // Stop accepting first; each server's callback fires once its last socket is gone.
    const serversClosed = servers
      .filter((server) => server.listening)
      .map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => {
      // aedes waits for each client's unsubscribe/will work; never let that hang a shutdown.
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      broker.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    for (const socket of sockets) socket.destroy();
    await Promise.all(serversClosed);
  };

  try {
    const tcpServer = createTcpServer(handle);
    servers.push(tcpServer);
    trackSockets(tcpServer, sockets);
    const port = await listen(tcpServer, opts.port ?? 0, host);
    const result: EmbeddedBroker = { url: `mqtt://${formatHost(host)}:${port}`, port, broker, close: closeAll };

    if (opts.tls) {
      const tlsServer = createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, handle);
      servers.push(tlsServer);
      trackSockets(tlsServer, sockets);
      // A failed handshake (wrong CA on the client side, say) must not crash or log noise.
      tlsServer.on('tlsClientError', (_error, socket) => socket.destroy());
      const tlsPort = await listen(tlsServer, opts.tlsPort ?? 0, host);
      result.tlsPort = tlsPort;
      result.tlsUrl = `mqtts://${formatHost(host)}:${tlsPort}`;
    }

    let closing: Promise<void> | undefined;
    result.close = () => (closing ??= closeAll());
    return result;
  } catch (error) {
    await closeAll();
    throw error;
  }
}
