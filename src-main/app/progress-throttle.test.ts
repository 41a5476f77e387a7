import { describe, expect, it } from 'vitest';
import type { Timers } from './event-bus.js';
import { ProgressThrottle } from './progress-throttle.js';

/** A hand-driven clock with the timers the throttle uses. */
function manualClock() {
  let now = 0;
  const due: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      due.push({ at: now + ms, fn, id: ++ids });
      return ids;
    },
    clearTimeout: (h) => {
      const i = due.findIndex((d) => d.id === h);
      if (i >= 0) due.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const d of due.filter((x) => x.at <= now)) {
      due.splice(due.indexOf(d), 1);
      d.fn();
    }
  };
  return { timers, now: () => now, advance };
}

describe('progress throttle', () => {
  it('sends at most one event per interval, phase changes at once, and the latest state at the end of a busy interval', () => {
    const clock = manualClock();
    const out: { phase: string; sent: number }[] = [];
    const t = new ProgressThrottle<{ phase: string; sent: number }>((e) => out.push(e), clock.now, clock.timers, 100);
    t.push({ phase: 'starting', sent: 0 });
    t.push({ phase: 'transferring', sent: 0 });
    for (let i = 1; i <= 9; i++) {
      clock.advance(10);
      t.push({ phase: 'transferring', sent: i * 10 });
    }
    expect(out).toEqual([
      { phase: 'starting', sent: 0 },
      { phase: 'transferring', sent: 0 },
    ]);
    clock.advance(10);
    expect(out.at(-1)).toEqual({ phase: 'transferring', sent: 90 });
    t.push({ phase: 'done', sent: 100 });
    expect(out.at(-1)).toEqual({ phase: 'done', sent: 100 });
    expect(out).toHaveLength(4);
  });

  it('drops what is pending once stopped', () => {
    const clock = manualClock();
    const out: unknown[] = [];
    const t = new ProgressThrottle<{ phase: string }>((e) => out.push(e), clock.now, clock.timers, 100);
    t.push({ phase: 'transferring' });
    t.push({ phase: 'transferring' });
    t.stop();
    clock.advance(500);
    expect(out).toHaveLength(1);
  });
});
