// The broker matrix: every integration test runs against the embedded aedes broker
// (the console's default) and a real mosquitto (what most fleets run), through one
// interface so a test is written once: describe.each(BROKER_KINDS)(...).
import { startEmbeddedBroker } from '../core/embedded-broker.js';
import { startMosquitto } from './mosquitto.js';
import { getTestCa } from './test-ca.js';

export const BROKER_KINDS = ['aedes', 'mosquitto'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

export interface TestBrokerOptions {
  /** Adds a TLS listener with a certificate from the test CA (see test-ca.ts). */
  tls?: boolean;
  /** 'wrong-host': the TLS listener presents a certificate for wrong.example instead of localhost. */
  tlsServerCert?: 'localhost' | 'wrong-host';
  /** username → password; anonymous clients and wrong passwords are then refused. */
  users?: Record<string, string>;
  /** Clients may only publish/subscribe to topics under `<username>/`. */
  aclPrefix?: boolean;
  /**
   * Messages the broker may queue per offline persistent session. mosquitto drops (and logs)
   * QoS 1 messages beyond its default of 1000; aedes has no limit.
   */
  maxQueuedMessages?: number;
}

export interface TestBroker {
  kind: BrokerKind;
  url: string;
  port: number;
  tlsUrl?: string;
  tlsPort?: number;
  /** The CA that signed the broker certificate, set when `tls` was asked for. */
  caPem?: string;
  /** Broker output for failure diagnostics (aedes logs nothing). */
  logs(): string;
  close(): Promise<void>;
}

async function startAedes(opts: TestBrokerOptions): Promise<TestBroker> {
  let tls: { key: string; cert: string } | undefined;
  let caPem: string | undefined;
  if (opts.tls) {
    const ca = await getTestCa();
    const serverCert = opts.tlsServerCert === 'wrong-host' ? ca.wrongHostServer : ca.server;
    tls = { key: serverCert.key, cert: serverCert.cert };
    caPem = ca.ca.cert;
  }
  const broker = await startEmbeddedBroker({
    ...(tls ? { tls } : {}),
    ...(opts.users ? { users: opts.users } : {}),
    ...(opts.aclPrefix ? { acl: 'prefix' as const } : {}),
  });
  return {
    kind: 'aedes',
    url: broker.url,
    port: broker.port,
    ...(broker.tlsUrl ? { tlsUrl: broker.tlsUrl, tlsPort: broker.tlsPort, caPem } : {}),
    logs: () => '',
    close: () => broker.close(),
  };
}

async function startMosquittoBroker(opts: TestBrokerOptions): Promise<TestBroker> {
  const { maxQueuedMessages, ...rest } = opts;
  const broker = await startMosquitto({ ...rest, ...(maxQueuedMessages !== undefined && { extraConfig: `max_queued_messages ${maxQueuedMessages}` }) });
  const caPem = opts.tls ? (await getTestCa()).ca.cert : undefined;
  return {
    kind: 'mosquitto',
    url: broker.url,
    port: broker.port,
    ...(broker.tlsUrl ? { tlsUrl: broker.tlsUrl, tlsPort: broker.tlsPort, caPem } : {}),
    logs: () => broker.logs(),
    close: () => broker.close(),
  };
}

export function startTestBroker(kind: BrokerKind, opts: TestBrokerOptions = {}): Promise<TestBroker> {
  switch (kind) {
    case 'aedes':
      return startAedes(opts);
    case 'mosquitto':
      return startMosquittoBroker(opts);
  }
}
