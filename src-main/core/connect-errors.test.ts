import { describe, expect, it } from 'vitest';
import { classifyConnectError } from './connect-errors.js';

const profile = { id: 'p', name: 'p', url: 'mqtts://broker.example:8883', username: 'alice', password: 's3cret-pw' };
const withCode = (message: string, code: unknown) => Object.assign(new Error(message), { code });

describe('classifyConnectError', () => {
  it('maps refused CONNACKs to AUTH, naming the user but never the password', () => {
    const e = classifyConnectError(withCode('Connection refused: Bad username or password', 4), profile);
    expect(e.code).toBe('AUTH');
    expect(e.message).toContain('"alice"');
    expect(e.message).not.toContain('s3cret-pw');
    expect(classifyConnectError(withCode('Connection refused: Not authorized', 5), profile).code).toBe('AUTH');
    expect(classifyConnectError(withCode('Connection refused: Not authorized', 135), profile).code).toBe('AUTH');
  });

  it('maps certificate failures to TLS with a hint about --ca', () => {
    const e = classifyConnectError(withCode('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), profile);
    expect(e.code).toBe('TLS');
    expect(e.message).toMatch(/--ca/);
    expect(classifyConnectError(withCode("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'), profile).code).toBe('TLS');
  });

  it('maps network failures to BROKER_DOWN', () => {
    const e = classifyConnectError(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), profile);
    expect(e.code).toBe('BROKER_DOWN');
    expect(e.message).toMatch(/connection refused \(is it running\?\)/);
    expect(classifyConnectError(withCode('getaddrinfo ENOTFOUND nope', 'ENOTFOUND'), profile).code).toBe('BROKER_DOWN');
  });

  it('scrubs the password from any library message', () => {
    const e = classifyConnectError(new Error('weird failure with s3cret-pw inside'), profile);
    expect(e.message).not.toContain('s3cret-pw');
  });
});
