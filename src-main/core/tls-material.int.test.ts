// Issue 9.3: DER certificates and keys in a broker profile connect (converted to PEM); a file that
// is neither PEM nor DER is refused at once with an error naming its role, and nothing throws later.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS, startTestBroker } from '../testing/brokers.js';
import type { TestBroker } from '../testing/brokers.js';
import { getTestCa } from '../testing/test-ca.js';
import { makeTempDir } from '../sim/test-boards.js';
import { MqttSession } from './mqtt-session.js';

describe.each(BROKER_KINDS)('TLS material in a profile (%s)', (kind) => {
  let broker: TestBroker;
  let dir: string;
  beforeAll(async () => {
    broker = await startTestBroker(kind, { tls: true });
    dir = makeTempDir('mqb-tls-');
  });
  afterAll(() => broker.close());

  const url = () => `mqtts://localhost:${broker.tlsPort}`;

  it('connects with the CA, client certificate and key given as DER files', async () => {
    const ca = await getTestCa();
    const write = (name: string, data: Buffer) => (fs.writeFileSync(path.join(dir, name), data), path.join(dir, name));
    const profile = {
      id: 'der', name: 'DER files', url: url(),
      ca: write('ca.der', ca.ca.certDer),
      cert: write('client.der', Buffer.from(new X509Certificate(ca.client.cert).raw)),
      key: write('client-key.der', createPrivateKey(ca.client.key).export({ format: 'der', type: 'pkcs8' })),
    };
    const session = await MqttSession.open(profile, { connectTimeoutMs: 5000 });
    expect(session.state).toBe('online');
    await session.close();
  });

  it('refuses a key that is neither PEM nor DER at once, naming it, and nothing fails later', async () => {
    const bad = path.join(dir, 'garbage.key');
    fs.writeFileSync(bad, Buffer.from([1, 2, 3, 4, 5]));
    const ca = await getTestCa();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('uncaughtException', onUnhandled);
    try {
      await expect(MqttSession.open({ id: 'bad', name: 'bad key', url: url(), ca: ca.ca.certPath, key: bad }, { connectTimeoutMs: 300 })).rejects.toMatchObject({
        code: 'TLS', message: expect.stringMatching(/client key .*garbage\.key/) as unknown,
      });
      await new Promise((r) => setTimeout(r, 600)); // past the connect timeout that used to end a half-built client
      expect(unhandled).toEqual([]);
    } finally {
      process.off('uncaughtException', onUnhandled);
    }
  });
});
