import { describe, expect, it } from 'vitest';
import { ProgressMeter, chunkBytes, chunkCount, formatBytes, formatEta, formatRate, parseOtaStat, resumeOffset } from './ota-plan.js';

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

describe('chunkBytes', () => {
  it('cuts the data into payloads that put back together give the same bytes', () => {
    const data = bytes(10_000);
    const chunks = [...chunkBytes(data, 4096)];
    expect(chunks.map((c) => c.length)).toEqual([4096, 4096, 1808]);
    expect(chunks.flatMap((c) => [...c])).toEqual([...data]);
    expect(chunkCount(10_000, 4096)).toBe(3);
  });

  it('starts at the resume offset', () => {
    const data = bytes(10_000);
    const chunks = [...chunkBytes(data, 4096, 8192)];
    expect(chunks).toHaveLength(1);
    expect(chunks[0]![0]).toBe(8192 & 0xff);
    expect(chunkCount(10_000, 4096, 8192)).toBe(1);
    expect([...chunkBytes(data, 1400, 10_000)]).toEqual([]);
  });

  it('refuses a bad chunk size or offset', () => {
    expect(() => [...chunkBytes(bytes(10), 0)]).toThrow(/chunk size/);
    expect(() => [...chunkBytes(bytes(10), 4, 11)]).toThrow(/offset 11 is outside 0..10/);
  });
});

describe('resumeOffset', () => {
  it('accepts what the board verified, a multiple of 4096 inside the image', () => {
    expect(resumeOffset(8192, 1_500_000)).toBe(8192);
    expect(resumeOffset(0, 1_500_000)).toBe(0);
  });

  it('restarts from 0 on anything it cannot trust', () => {
    expect(resumeOffset(5000, 1_500_000)).toBe(0);
    expect(resumeOffset(2_000_000, 1_500_000)).toBe(0);
    expect(resumeOffset(-4096, 1_500_000)).toBe(0);
    expect(resumeOffset('4096', 1_500_000)).toBe(0);
    expect(resumeOffset(undefined, 1_500_000)).toBe(0);
  });

  it('resends the last block of an image that is already complete in flash', () => {
    expect(resumeOffset(16384, 16384)).toBe(12288);
    expect(resumeOffset(12288, 12300)).toBe(12288);
  });
});

describe('parseOtaStat', () => {
  it('reads the board reply and rejects garbage', () => {
    expect(parseOtaStat('{"sha": "ab", "offset": 65536, "partition": "ota_1"}')).toEqual({ sha: 'ab', offset: 65536, partition: 'ota_1' });
    expect(() => parseOtaStat('[1]')).toThrow(/not a JSON object/);
    expect(() => parseOtaStat('{"offset": "x"}')).toThrow(/no numeric "offset"/);
  });
});

describe('ProgressMeter', () => {
  it('measures the rate over a sliding window and estimates the time left', () => {
    let t = 0;
    const m = new ProgressMeter(100_000, { now: () => t, windowMs: 2000 });
    expect(m.update(0).rate).toBe(0);
    t = 1000;
    const s = m.update(10_000);
    expect(s.rate).toBe(10_000);
    expect(s.eta).toBe(9);
    expect(s.fraction).toBeCloseTo(0.1);
    // The link slows down: after the window has passed only the new speed counts.
    for (let i = 1; i <= 4; i++) {
      t = 1000 + i * 1000;
      m.update(10_000 + i * 1000);
    }
    expect(m.snapshot().rate).toBe(1000);
    expect(m.snapshot().eta).toBe(86);
  });

  it('does not claim a rate from a first burst, and knows when it is done', () => {
    let t = 0;
    const m = new ProgressMeter(50_000, { now: () => t });
    m.update(0);
    t = 10;
    const burst = m.update(40_000);
    expect(burst.rate).toBe(0);
    expect(burst.eta).toBeUndefined();
    t = 2000;
    expect(m.update(50_000)).toMatchObject({ done: 50_000, eta: 0, fraction: 1 });
  });

  it('starts the rate again when the transfer restarts from a lower offset', () => {
    let t = 0;
    const m = new ProgressMeter(100_000, { now: () => t });
    m.update(0);
    t = 1000;
    m.update(50_000);
    t = 2000;
    const restarted = m.update(4096);
    expect(restarted.done).toBe(4096);
    expect(restarted.rate).toBe(0);
  });
});

describe('formatting', () => {
  it('prints sizes, rates and durations the way people read them', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(250_000)).toBe('250 kB');
    expect(formatRate(0)).toBe('-- B/s');
    expect(formatRate(123_456)).toBe('123 kB/s');
    expect(formatEta(undefined)).toBe('--');
    expect(formatEta(42.4)).toBe('42s');
    expect(formatEta(185)).toBe('3m05s');
    expect(formatEta(3720)).toBe('1h02m');
  });
});
