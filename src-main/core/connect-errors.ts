// Turns what mqtt.js and Node report about a failed broker connection into the console's
// error codes, with messages that say what to do and never contain a secret.
import { MqbError } from '../common/errors.js';
import type { BrokerProfile } from './broker-profile.js';
import { describeProfile } from './broker-profile.js';

// CONNACK codes: MQTT 3.1.1 (4 bad user name or password, 5 not authorized) and MQTT 5.
const AUTH_CODES = new Set([4, 5, 134, 135, 138, 140]);
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'HOSTNAME_MISMATCH', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

export function classifyConnectError(err: unknown, profile: BrokerProfile): MqbError {
  if (err instanceof MqbError) return err;
  const e = err as { code?: unknown; message?: string };
  const where = describeProfile(profile);
  const raw = String(e.message ?? err);
  // Defence in depth: no message of ours may carry the password, whatever the library put in it.
  const safe = profile.password ? raw.split(profile.password).join('***') : raw;
  if (typeof e.code === 'number') {
    if (AUTH_CODES.has(e.code)) {
      const who = profile.username ? `user "${profile.username}"` : 'anonymous clients';
      return new MqbError('AUTH', `the broker at ${profile.url} refused ${who}: ${safe.replace(/^Connection refused: /, '')} (check --user and --password / MQBOARD_PASSWORD)`);
    }
    return new MqbError('BROKER_DOWN', `the broker at ${where} refused the connection: ${safe}`);
  }
  const code = typeof e.code === 'string' ? e.code : '';
  if (TLS_CODES.has(code)) {
    const hint = code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO'
      ? 'is this port really MQTT over TLS?'
      : 'give the CA that signed the broker certificate with --ca, or check the host name';
    return new MqbError('TLS', `TLS with the broker at ${where} failed: ${safe} (${hint})`);
  }
  if (NETWORK_CODES.has(code)) {
    return new MqbError('BROKER_DOWN', `cannot reach the broker at ${where}: ${code === 'ECONNREFUSED' ? 'connection refused (is it running?)' : safe}`);
  }
  return new MqbError('BROKER_DOWN', `cannot connect to the broker at ${where}: ${safe}`);
}
