import { describe, expect, it } from 'vitest';
import { parseBoardStatus } from './board-status.js';
import { boardState, describeWake, expectedWake, isSleeping, sleepMargin, statusTime, uptimeNow } from './board-state.js';

const status = (o: Record<string, unknown>) => parseBoardStatus('sim/x', JSON.stringify(o))!;
const T0 = 1_800_000_000_000; // when the status arrived (console clock, ms)

describe('board state', () => {
  it('parses asleep and sleep from the status; asleep only counts with online false', () => {
    const s = status({ online: false, asleep: true, sleep: { period: 10, awake: 2, next_wake: 110 }, t: 100 });
    expect(s.asleep).toBe(true);
    expect(s.sleep).toEqual({ period: 10, awake: 2, nextWake: 110 });
    expect(status({ online: true, asleep: true }).asleep).toBe(false);
    expect(status({ online: true, sleep: { period: 'x' } }).sleep).toBeNull();
    expect(status({ online: true, sleep: { period: 60, awake: 5, next_wake: null } }).sleep).toEqual({ period: 60, awake: 5, nextWake: null });
  });

  it('clamps the margin to 5 s .. 300 s, half a period in between', () => {
    expect(sleepMargin(2)).toBe(5);
    expect(sleepMargin(10)).toBe(5);
    expect(sleepMargin(60)).toBe(30);
    expect(sleepMargin(3600)).toBe(300);
  });

  it('online, and offline for the last will (online false without asleep) or no status', () => {
    expect(boardState(status({ online: true, sleep: { period: 10, awake: 2 } }), T0, T0 + 1e9).state).toBe('online');
    expect(boardState(status({ online: false }), T0, T0).state).toBe('offline');
    expect(boardState(undefined, T0, T0).state).toBe('offline');
  });

  it('asleep until wake + margin, overdue until a second period has passed, then offline', () => {
    const s = status({ online: false, asleep: true, sleep: { period: 60, awake: 5, next_wake: 1_000_060 }, t: 1_000_000 });
    const wakeAt = T0 + 60_000;
    expect(boardState(s, T0, T0)).toEqual({ state: 'asleep', wakeAt, changesAt: wakeAt + 30_000 + 1 });
    expect(boardState(s, T0, wakeAt + 30_000).state).toBe('asleep');
    expect(boardState(s, T0, wakeAt + 30_001)).toEqual({ state: 'overdue', wakeAt, changesAt: wakeAt + 90_000 + 1 });
    expect(boardState(s, T0, wakeAt + 90_000).state).toBe('overdue');
    expect(boardState(s, T0, wakeAt + 90_001)).toEqual({ state: 'offline', wakeAt });
  });

  it('trusts only the relative delay of the board clock: a clock years off changes nothing', () => {
    const offClock = status({ online: false, asleep: true, sleep: { period: 10, awake: 2, next_wake: 946_684_810 }, t: 946_684_800 });
    expect(expectedWake(offClock, T0)).toBe(T0 + 10_000);
    // next_wake before t (a clock step): due now.
    expect(expectedWake(status({ online: false, asleep: true, sleep: { period: 10, awake: 2, next_wake: 90 }, t: 100 }), T0)).toBe(T0);
  });

  it('without next_wake (clock unknown) or t, one period after the status arrived', () => {
    expect(expectedWake(status({ online: false, asleep: true, sleep: { period: 30, awake: 2, next_wake: null }, t: 5 }), T0)).toBe(T0 + 30_000);
    expect(expectedWake(status({ online: false, asleep: true, sleep: { period: 30, awake: 2, next_wake: 99 } }), T0)).toBe(T0 + 30_000);
  });

  it('asleep without a cycle stays asleep, with no wake time', () => {
    expect(boardState(status({ online: false, asleep: true }), T0, T0 + 1e9)).toEqual({ state: 'asleep' });
  });

  it('describes the wake for people', () => {
    const s = status({ online: false, asleep: true, sleep: { period: 10, awake: 2, next_wake: 110 }, t: 100 });
    expect(describeWake(boardState(s, T0, T0 + 2_500), T0 + 2_500)).toBe('wakes in 8 s');
    expect(describeWake(boardState(s, T0, T0 + 12_000), T0 + 12_000)).toBe('waking');
    expect(describeWake(boardState(s, T0, T0 + 22_000), T0 + 22_000)).toBe('overdue 12 s');
    expect(describeWake({ state: 'online' }, T0)).toBe('');
    expect(describeWake({ state: 'asleep' }, T0)).toBe('asleep, next wake unknown');
    expect(isSleeping('overdue') && isSleeping('asleep') && !isSleeping('offline') && !isSleeping('online')).toBe(true);
  });

  it('advances an online board\'s uptime from the status time; an asleep or offline one stands still', () => {
    const online = status({ online: true, uptime: 60 });
    expect(uptimeNow(online, T0, T0)).toBe(60);
    expect(uptimeNow(online, T0, T0 + 125_000)).toBe(185);
    expect(uptimeNow(status({ online: false, asleep: true, uptime: 60 }), T0, T0 + 125_000)).toBe(60);
    expect(uptimeNow(status({ online: true }), T0, T0 + 1_000)).toBeNull();
    expect(uptimeNow(undefined, T0, T0)).toBeNull();
  });

  it('takes a retained status\'s own time when plausible, else its arrival', () => {
    const t = T0 / 1000;
    expect(statusTime(status({ t: t - 300 }), T0)).toBe(T0 - 300_000); // retained 5 min ago
    expect(statusTime(status({ t: t + 30 }), T0)).toBe(T0); // board clock ahead
    expect(statusTime(status({ t: 946_684_800 }), T0)).toBe(T0); // clock never set (2000-01-01)
    expect(statusTime(status({}), T0)).toBe(T0);
    expect(uptimeNow(status({ online: true, uptime: 10, t: t - 50 }), T0, T0)).toBe(60);
  });
});
