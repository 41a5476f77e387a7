// The console's side of a battery board's `awake` command (docs/protocol.md): ask it to stay awake
// for a while, once or periodically while a long job runs (OTA, a file transfer), and wait for its
// next wake. Boards without the `awake` cap are left alone: they do not sleep.
import { isSleeping } from '../common/board-state.js';
import { MqbError } from '../common/errors.js';
import { decodeText } from '../common/protocol.js';
import type { BoardClient } from './board-client.js';
import { watchBoard } from './board-watch.js';
import type { BoardEntry, FleetRegistry } from './fleet-registry.js';

/** The board caps one request at an hour. */
export const MAX_AWAKE_S = 3600;
/** What a keep-awake asks for each time, and how often it asks again (well before it runs out). */
export const KEEP_AWAKE_S = 60;
export const KEEP_AWAKE_EVERY_MS = 20_000;

type AwakeBoard = Pick<BoardClient, 'prefix' | 'caps' | 'request'>;

export const canStayAwake = (board: Pick<BoardClient, 'caps'>): boolean => board.caps.includes('awake');

/** Sends `awake <seconds>` (0 releases); resolves once the board said OK. */
export async function requestAwake(board: AwakeBoard, seconds: number, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
  const s = Math.max(0, Math.min(MAX_AWAKE_S, Math.ceil(seconds)));
  const reply = decodeText(await board.request('awake', { payload: String(s), ...opts })).trim();
  if (reply !== 'OK') throw new MqbError('PROTOCOL', `${board.prefix} answered awake with "${reply.slice(0, 80)}"`);
}

/**
 * Keeps the board awake until the returned stop() is called: `awake` now and every
 * KEEP_AWAKE_EVERY_MS. Failures are left to the job itself (it sees the board go away); they are
 * only reported to `onError`.
 */
export function keepAwake(board: AwakeBoard, opts: { seconds?: number; everyMs?: number; onError?: (e: unknown) => void } = {}): () => void {
  if (!canStayAwake(board)) return () => undefined;
  const ask = () => void requestAwake(board, opts.seconds ?? KEEP_AWAKE_S).catch((e: unknown) => opts.onError?.(e));
  ask();
  const timer = setInterval(ask, opts.everyMs ?? KEEP_AWAKE_EVERY_MS);
  timer.unref?.();
  return () => clearInterval(timer);
}

/**
 * Resolves with the entry once the board is online. A board that is neither online nor asleep /
 * overdue fails at once (OFFLINE) or when it drops to that state; TIMEOUT after `timeoutMs`.
 */
export async function waitForWake(registry: FleetRegistry, prefix: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<BoardEntry> {
  const v = await watchBoard(registry, prefix, opts.timeoutMs, (e) => {
    if (e.state.state === 'online') return e;
    if (!isSleeping(e.state.state)) return new MqbError('OFFLINE', `${prefix} is offline${e.status?.asleep ? ': it missed its wake twice' : ''}`, { board: prefix });
    return undefined;
  }, { now: true, ...(opts.signal && { signal: opts.signal }) });
  if (v === 'timeout') throw new MqbError('TIMEOUT', `${prefix} did not wake within ${Math.round(opts.timeoutMs / 100) / 10} s`, { board: prefix });
  return v;
}

type HookBoard = Pick<BoardClient, 'prefix' | 'caps' | 'request'>;

/** What a long job (OTA, a transfer) needs to survive a battery board's sleep. */
export interface WakeHooks {
  /**
   * Before an attempt: when the board is asleep or overdue, reports why it waits (`onWait`) and
   * waits for its next wake; true if it waited. Rejects TIMEOUT past the job's deadline.
   */
  waitWake?: (board: HookBoard, signal: AbortSignal | undefined, onWait: (text: string) => void) => Promise<boolean>;
  /** While an attempt runs: keeps the board awake; returns the function that stops it. */
  keepAwake?: (board: HookBoard) => () => void;
}

/**
 * Hooks over the fleet registries: `registryOf` finds a board's; each wait for a wake lasts at most
 * `waitMs`, and none goes past `deadline` (ms, Date.now's) when one is given.
 */
export function wakeHooks(registryOf: (board: HookBoard) => FleetRegistry | undefined, waitMs: number, deadline = Number.POSITIVE_INFINITY): WakeHooks {
  return {
    waitWake: async (board, signal, onWait) => {
      const registry = registryOf(board);
      const entry = registry?.get(board.prefix);
      if (!registry || !entry || !isSleeping(entry.state.state)) return false;
      const left = Math.min(waitMs, deadline - Date.now());
      if (left <= 0) throw new MqbError('TIMEOUT', `${board.prefix} is asleep and the time for this job is up`, { board: board.prefix });
      onWait(`${board.prefix} is asleep: continuing at its next wake`);
      await waitForWake(registry, board.prefix, { timeoutMs: left, ...(signal && { signal }) });
      return true;
    },
    keepAwake: (board) => keepAwake(board),
  };
}
