import { describe, expect, it, vi } from 'vitest';
import { Batcher, EventBus } from './event-bus.js';

describe('event bus and batching', () => {
  it('delivers to every listener, and one failing listener does not stop the others', () => {
    const bus = new EventBus();
    const seen: unknown[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    bus.subscribe(() => {
      throw new Error('boom');
    });
    const off = bus.subscribe((e, d) => seen.push([e, d]));
    bus.emit('profiles.state', { id: 'a', state: 'online' });
    off();
    bus.emit('profiles.state', { id: 'a', state: 'offline' });
    error.mockRestore();
    expect(seen).toEqual([['profiles.state', { id: 'a', state: 'online' }]]);
  });

  it('hands items over at most once per interval, in order', () => {
    vi.useFakeTimers();
    try {
      const batches: number[][] = [];
      const b = new Batcher<number>((items) => batches.push(items), 100);
      for (let i = 0; i < 50; i++) b.push(i);
      expect(batches).toEqual([]);
      vi.advanceTimersByTime(100);
      expect(batches).toEqual([Array.from({ length: 50 }, (_, i) => i)]);
      b.push(50);
      b.cancel();
      vi.advanceTimersByTime(1_000);
      expect(batches).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
