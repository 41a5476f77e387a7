// What the console makes of a board's last status: online, asleep (a battery board between two
// wakes), overdue (it should have woken by now) or offline. Pure: the status, the time it arrived
// and now go in; the same inputs always give the same state, so the engine re-evaluates it on a
// timer (asleep → overdue → offline happen without any message) and the UI can count down.
//
// The rule (docs/low-power.md, "Console"):
// - online: the status says online;
// - offline: the status says offline without "asleep" (the last will: the board dropped off);
// - asleep: it announced a planned sleep, and now <= wake + margin;
// - overdue: wake + margin < now <= wake + period + margin (it missed one wake);
// - offline: after that (it missed a second wake too).
// margin = clamp(period / 2, 5 s, 300 s): a wake takes a few seconds (Wi-Fi, TLS, the broker), and
// a long period tolerates a proportionally late clock, but not by more than 5 minutes.
// The wake time is taken on the console's clock: the board's clock may be off (not set yet, or
// drifting through deep sleep), so only its relative delay (next_wake - t) is trusted, added to the
// time the status arrived. Without both, the delay is one period.
import type { BoardStatus } from './board-status.js';

export const BOARD_STATES = ['online', 'asleep', 'overdue', 'offline'] as const;
export type BoardState = (typeof BOARD_STATES)[number];

export const MIN_MARGIN_S = 5;
export const MAX_MARGIN_S = 300;

export interface BoardStateInfo {
  state: BoardState;
  /** When the board is expected to wake (ms, the console's clock), for asleep/overdue boards. */
  wakeAt?: number;
  /** When `state` changes by itself if no status comes (ms): the engine's next re-evaluation. */
  changesAt?: number;
}

/** How late a wake may be before the board counts as overdue (seconds). */
export function sleepMargin(periodS: number): number {
  return Math.min(MAX_MARGIN_S, Math.max(MIN_MARGIN_S, periodS / 2));
}

/** The expected wake on the console's clock (ms), from a sleeping status received at `receivedAt` (ms). */
export function expectedWake(status: Pick<BoardStatus, 't' | 'sleep'>, receivedAt: number): number | undefined {
  const sleep = status.sleep;
  if (!sleep) return undefined;
  const relative = sleep.nextWake !== null && status.t !== null ? sleep.nextWake - status.t : sleep.period;
  // A next_wake before t is a board bug or a clock step: the wake is due now, not in the past.
  return receivedAt + Math.max(0, relative) * 1000;
}

export function boardState(status: Pick<BoardStatus, 'online' | 'asleep' | 't' | 'sleep'> | undefined, receivedAt: number, now: number): BoardStateInfo {
  if (!status) return { state: 'offline' };
  if (status.online) return { state: 'online' };
  if (!status.asleep) return { state: 'offline' };
  const wakeAt = expectedWake(status, receivedAt);
  // Asleep, but the board did not say its cycle: nothing to measure it against.
  if (wakeAt === undefined) return { state: 'asleep' };
  const period = status.sleep!.period * 1000;
  const margin = sleepMargin(status.sleep!.period) * 1000;
  const overdueAt = wakeAt + margin;
  const offlineAt = overdueAt + period;
  if (now <= overdueAt) return { state: 'asleep', wakeAt, changesAt: overdueAt + 1 };
  if (now <= offlineAt) return { state: 'overdue', wakeAt, changesAt: offlineAt + 1 };
  return { state: 'offline', wakeAt };
}

/** Asleep or overdue: the board is expected back, a command for it can wait for its wake. */
export const isSleeping = (state: BoardState): boolean => state === 'asleep' || state === 'overdue';

/** "wakes in 7 s" / "overdue 12 s" / "" for the fleet view and the CLI (seconds, rounded up). */
export function describeWake(info: BoardStateInfo, now: number, duration: (seconds: number) => string = (s) => `${s} s`): string {
  if (info.wakeAt === undefined) return info.state === 'asleep' ? 'asleep, next wake unknown' : '';
  const s = Math.ceil(Math.abs(info.wakeAt - now) / 1000);
  if (info.state === 'asleep') return info.wakeAt > now ? `wakes in ${duration(s)}` : 'waking';
  if (info.state === 'overdue') return `overdue ${duration(s)}`;
  return '';
}

/** Older than this, a status's own time `t` is not trusted over its arrival (a clock never set). */
const MAX_STATUS_AGE_MS = 86_400_000;

/**
 * When a status was published (ms, the console's clock): its own time `t` when plausible (a
 * retained status read on connecting is older than its arrival), else when it arrived. A board
 * clock ahead of ours counts as the arrival.
 */
export function statusTime(status: Pick<BoardStatus, 't'>, receivedAt: number): number {
  const t = status.t === null ? null : status.t * 1000;
  return t !== null && t <= receivedAt && t > receivedAt - MAX_STATUS_AGE_MS ? t : receivedAt;
}

/**
 * The uptime now (seconds), advancing from the status's time while the board is online; what it
 * last reported when it is not (asleep or offline, nothing runs); null when unknown.
 */
export function uptimeNow(status: Pick<BoardStatus, 'online' | 'uptime' | 't'> | undefined, receivedAt: number, now: number): number | null {
  if (!status || status.uptime === null) return null;
  if (!status.online) return status.uptime;
  return status.uptime + Math.max(0, now - statusTime(status, receivedAt)) / 1000;
}
