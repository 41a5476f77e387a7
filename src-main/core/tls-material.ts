// The certificates and key of a broker profile, as Node's TLS needs them: PEM. A profile may name
// a DER file (what the profile form and many CAs hand out); it is converted here. Anything that is
// neither is refused up front with an error naming the file and its role, before any connection:
// a TLS context that throws later, inside mqtt.js's connect, would escape every handler (issue 9.3).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { MqbError } from '../common/errors.js';

export type TlsRole = 'CA certificate' | 'client certificate' | 'client key';

function read(source: string, role: TlsRole): Buffer {
  if (source.includes('-----BEGIN')) return Buffer.from(source);
  try {
    return fs.readFileSync(source);
  } catch (e) {
    throw new MqbError('LOCAL_IO', `cannot read the ${role} ${source}: ${(e as Error).message}`);
  }
}

const isPem = (b: Buffer) => b.includes('-----BEGIN');

/** PEM text of a certificate given as PEM text, a PEM file or a DER file. */
export function certificatePem(source: string, role: TlsRole): string {
  const data = read(source, role);
  if (isPem(data)) return data.toString('utf8');
  try {
    return new X509Certificate(data).toString();
  } catch {
    throw new MqbError('TLS', `the ${role} ${describe(source)} is neither a PEM nor a DER certificate`);
  }
}

/** PEM text of a private key given as PEM or DER (PKCS#8, PKCS#1 or SEC1). */
export function privateKeyPem(source: string): string {
  const data = read(source, 'client key');
  if (isPem(data)) return data.toString('utf8');
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: data, format: 'der', type }).export({ format: 'pem', type: 'pkcs8' }).toString();
    } catch {
      /* the next encoding */
    }
  }
  throw new MqbError('TLS', `the client key ${describe(source)} is neither a PEM nor a DER private key (an encrypted key is not supported)`);
}

/** Builds the TLS context once, so a bad pair fails here with a clear error and not in mqtt.js. */
export function checkTlsMaterial(m: { ca?: string; cert?: string; key?: string }): void {
  try {
    tls.createSecureContext({ ...(m.ca && { ca: m.ca }), ...(m.cert && { cert: m.cert }), ...(m.key && { key: m.key }) });
  } catch (e) {
    const why = (e as Error).message;
    const role = /key/i.test(why) ? 'client key' : m.cert && /cert/i.test(why) ? 'client certificate' : 'CA certificate';
    throw new MqbError('TLS', `the ${role} cannot be used: ${why}`);
  }
}

const describe = (source: string) => (source.includes('-----BEGIN') ? '(given as text)' : source);
