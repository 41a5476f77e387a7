import { describe, expect, it } from 'vitest';
import { brokerUrl, DEFAULT_BROKER_URL, resolveConnection } from './broker-profile.js';

describe('brokerUrl', () => {
  it('defaults to the local broker', () => {
    expect(brokerUrl(undefined, undefined, false)).toBe(DEFAULT_BROKER_URL);
    expect(DEFAULT_BROKER_URL).toBe('mqtt://127.0.0.1:1883');
  });
  it('builds a URL from a host name, port and --tls like the original', () => {
    expect(brokerUrl('broker.lan', undefined, false)).toBe('mqtt://broker.lan:1883');
    expect(brokerUrl('broker.lan', undefined, true)).toBe('mqtts://broker.lan:8883');
    expect(brokerUrl('broker.lan', '4883', true)).toBe('mqtts://broker.lan:4883');
    expect(brokerUrl('::1', '1884', false)).toBe('mqtt://[::1]:1884');
  });
  it('accepts URLs, upgraded by --tls and overridden by --port', () => {
    expect(brokerUrl('mqtt://b:1999', undefined, false)).toBe('mqtt://b:1999');
    expect(brokerUrl('mqtt://b:1999', undefined, true)).toBe('mqtts://b:1999');
    expect(brokerUrl('wss://b/mqtt', undefined, false)).toBe('wss://b/mqtt');
    expect(brokerUrl('mqtt://b:1999', '2000', false)).toBe('mqtt://b:2000');
  });
  it('refuses bad input with USAGE', () => {
    expect(() => brokerUrl('http://b', undefined, false)).toThrow(/unsupported broker URL scheme/);
    expect(() => brokerUrl('b', 'x', false)).toThrow(/port number/);
    expect(() => brokerUrl('mqtt://u:pw@b', undefined, false)).toThrow(/--user/);
  });
});

describe('resolveConnection', () => {
  it('takes options first, then MQBOARD_* variables', () => {
    const env = { MQBOARD_SERVER: 'envhost', MQBOARD_PORT: '1999', MQBOARD_USER: 'envuser', MQBOARD_PASSWORD: 'envpw', MQBOARD_PREFIX: 'env/p', MQBOARD_TIMEOUT: '3' };
    const r = resolveConnection({}, env);
    expect(r.profile.url).toBe('mqtt://envhost:1999');
    expect(r.profile.username).toBe('envuser');
    expect(r.profile.password).toBe('envpw');
    expect(r.prefix).toBe('env/p');
    expect(r.timeoutMs).toBe(3000);
    const o = resolveConnection({ server: 'opthost', user: 'u', prefix: 'o/p', timeout: '0.5' }, env);
    expect(o.profile.url).toBe('mqtt://opthost:1999');
    expect(o.profile.username).toBe('u');
    expect(o.prefix).toBe('o/p');
    expect(o.timeoutMs).toBe(500);
  });
  it('--topic is an alias of --prefix (the original name), MQBOARD_TOPIC too', () => {
    expect(resolveConnection({ topic: 'a/b' }, {}).prefix).toBe('a/b');
    expect(resolveConnection({}, { MQBOARD_TOPIC: 'c/d' }).prefix).toBe('c/d');
  });
  it('refuses a prefix with wildcards and a bad timeout', () => {
    expect(() => resolveConnection({ prefix: 'a/+' }, {})).toThrow(/wildcard/);
    expect(() => resolveConnection({ timeout: '-1' }, {})).toThrow(/--timeout/);
  });
  it('never puts the password in the profile name', () => {
    const r = resolveConnection({ user: 'alice', password: 'pw123' }, {});
    expect(r.profile.name).not.toContain('pw123');
  });
});
