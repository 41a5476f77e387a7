// Broker URLs as the CLI accepts them: mqtt://host[:port] and mqtts://host[:port].

export interface BrokerAddress {
  host: string;
  port: number;
  tls: boolean;
}

export function parseBrokerUrl(url: string): BrokerAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid broker URL "${url}" (expected mqtt://host:port or mqtts://host:port)`);
  }
  const tls = u.protocol === 'mqtts:';
  if (!tls && u.protocol !== 'mqtt:') throw new Error(`unsupported broker URL scheme "${u.protocol}" (use mqtt:// or mqtts://)`);
  if (!u.hostname) throw new Error(`broker URL "${url}" has no host`);
  const port = u.port ? Number(u.port) : tls ? 8883 : 1883;
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port, tls };
}
