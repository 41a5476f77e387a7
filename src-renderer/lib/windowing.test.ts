import { describe, expect, it } from 'vitest';
import { computeWindow, sameWindow, scrollToReveal } from './windowing.js';

describe('list windowing', () => {
  it('renders only the rows around the viewport, in chunks', () => {
    const w = computeWindow(3200, 640, 32, 1000, 8); // rows 100..119 visible
    expect(w.start).toBeLessThanOrEqual(100);
    expect(w.end).toBeGreaterThanOrEqual(120);
    expect(w.end - w.start).toBeLessThan(60);
    expect(w.offset).toBe(w.start * 32);
    expect(w.total).toBe(32_000);
  });

  it('keeps the same window while scrolling within a chunk', () => {
    expect(sameWindow(computeWindow(3200, 640, 32, 1000, 8), computeWindow(3230, 640, 32, 1000, 8))).toBe(true);
    expect(sameWindow(computeWindow(3200, 640, 32, 1000, 8), computeWindow(3200 + 8 * 32, 640, 32, 1000, 8))).toBe(false);
  });

  it('clamps at both ends and handles an empty list', () => {
    expect(computeWindow(0, 640, 32, 5).end).toBe(5);
    const w = computeWindow(1e9, 640, 32, 1000);
    expect(w.end).toBe(1000);
    expect(computeWindow(0, 640, 32, 0)).toEqual({ start: 0, end: 0, offset: 0, total: 0 });
  });

  it('scrolls just enough to reveal a row', () => {
    expect(scrollToReveal(0, 320, 32, 3)).toBe(0);
    expect(scrollToReveal(0, 320, 32, 20)).toBe(21 * 32 - 320);
    expect(scrollToReveal(640, 320, 32, 5)).toBe(160);
  });
});
