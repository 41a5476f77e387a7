import { describe, expect, it } from 'vitest';
import { isLoopbackHost, plainPasswordWarning } from './plain-password.js';

describe('plainPasswordWarning', () => {
  it('warns for a password over mqtt:// or ws:// to another host', () => {
    expect(plainPasswordWarning('mqtt://broker.example.com:1883', true)).toMatch(/broker\.example\.com unencrypted \(mqtt:\/\/\).*mqtts:\/\//);
    expect(plainPasswordWarning('ws://user@10.0.0.5:9001/mqtt', true)).toMatch(/10\.0\.0\.5 unencrypted \(ws:\/\/\)/);
    expect(plainPasswordWarning('MQTT://[2001:db8::1]:1883', true)).toMatch(/\[2001:db8::1\]/);
  });

  it('is quiet for TLS, loopback, or no password', () => {
    expect(plainPasswordWarning('mqtts://broker.example.com', true)).toBeUndefined();
    expect(plainPasswordWarning('wss://broker.example.com', true)).toBeUndefined();
    expect(plainPasswordWarning('mqtt://127.0.0.1:1883', true)).toBeUndefined();
    expect(plainPasswordWarning('mqtt://localhost', true)).toBeUndefined();
    expect(plainPasswordWarning('mqtt://[::1]:1883', true)).toBeUndefined();
    expect(plainPasswordWarning('mqtt://broker.example.com', false)).toBeUndefined();
    expect(isLoopbackHost('127.1.2.3')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.evil.com')).toBe(false);
  });
});
