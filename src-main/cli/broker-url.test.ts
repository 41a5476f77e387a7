import { describe, expect, it } from 'vitest';
import { parseBrokerUrl } from './broker-url.js';

describe('parseBrokerUrl', () => {
  it('reads host, port and TLS with the MQTT default ports', () => {
    expect(parseBrokerUrl('mqtt://127.0.0.1:1884')).toEqual({ host: '127.0.0.1', port: 1884, tls: false });
    expect(parseBrokerUrl('mqtt://broker.example')).toEqual({ host: 'broker.example', port: 1883, tls: false });
    expect(parseBrokerUrl('mqtts://broker.example')).toEqual({ host: 'broker.example', port: 8883, tls: true });
  });

  it('refuses what is not an MQTT URL with a clear message', () => {
    expect(() => parseBrokerUrl('127.0.0.1:1883')).toThrow(/invalid broker URL|unsupported/);
    expect(() => parseBrokerUrl('http://x:1')).toThrow(/unsupported broker URL scheme "http:"/);
  });
});
