import { describe, expect, it } from 'vitest';
import { hasCap, parseBoardStatus } from './board-status.js';

describe('board status', () => {
  it('parses our status and maps snake_case fields', () => {
    const s = parseBoardStatus('sim/sim-01', JSON.stringify({ online: true, fw: '1.2.0', partition: 'ota_1', pending_verify: true, safe_mode: true, safe_reason: 'crash', crashes: 2, mem_free: 5000, proto: 2, caps: ['eval', 'ls'], modules: { blinky: '1.0' } }))!;
    expect(s).toMatchObject({ prefix: 'sim/sim-01', online: true, fw: '1.2.0', pendingVerify: true, safeMode: true, crashes: 2, memFree: 5000, proto: 2 });
    expect(hasCap(s, 'ls')).toBe(true);
    expect(hasCap(s, 'ota')).toBe(false);
  });

  it('treats a status without proto as an original (v1) board', () => {
    const s = parseBoardStatus('esp32/test', '{"online": false}')!;
    expect(s.proto).toBe(1);
    expect(s.online).toBe(false);
    expect(hasCap(s, 'put')).toBe(true);
    expect(hasCap(s, 'ls')).toBe(false);
  });

  it('takes the stream window the board announces, within 8..256; 16 when it announces none', () => {
    const w = (window: unknown) => parseBoardStatus('p', JSON.stringify({ proto: 2, window }))!.window;
    expect(w(64)).toBe(64);
    expect(w(undefined)).toBe(16);
    expect(w('64')).toBe(16);
    expect(w(2)).toBe(8);
    expect(w(1e9)).toBe(256);
    expect(w(40.7)).toBe(40);
  });

  it('returns undefined for a cleared status and throws on garbage', () => {
    expect(parseBoardStatus('p', '')).toBeUndefined();
    expect(() => parseBoardStatus('p', '{nope')).toThrow();
    expect(() => parseBoardStatus('p', '[1]')).toThrow(/object/);
  });
});
