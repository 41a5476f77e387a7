// Boards for the in-memory fake console: a deterministic mix of healthy, offline, safe-mode,
// crashed and pending-verify boards, and the status churn a live fleet produces.
import { PROTO_V1, V1_CAPS } from '../../src-main/common/protocol.js';
import type { BoardView, CrashRecord } from '../../src-main/common/contract.js';
import type { FakeCycle } from './fake-wake.js';

export interface FakeBoard {
  view: BoardView;
  crashes: CrashRecord[];
  /** The firmware version to go back to on rollback. */
  previousFw: string;
  /** A battery board's duty cycle (it sleeps and wakes by itself). */
  cycle?: FakeCycle;
}

const ALL_CAPS = ['eval', 'exec', 'get', 'put', 'ota', 'ls', 'stat', 'mkdir', 'rm', 'rmdir', 'mv', 'df', 'otastat', 'reset', 'crashlog', 'tty'];

export function prefixFor(i: number, count: number): string {
  return count <= 99 ? `sim/sim-${String(i + 1).padStart(2, '0')}` : `fleet/b${String(i + 1).padStart(4, '0')}`;
}

const TRACE = (app: string) =>
  `Traceback (most recent call last):\n  File "mqb_launch.py", line 88, in start_modules\n  File "${app}.py", line 8, in start\nRuntimeError: ${app} demo app failed to start`;

/** What the launcher reports: no apps in safe mode (none are started) or offline, a failed one after a crash. */
function appsOf(safe: boolean, crashed: boolean, offline: boolean): Record<string, string> {
  if (safe || offline) return {};
  return crashed ? { blinky: '1.0.0', faulty: "failed: RuntimeError('faulty demo app failed to start',)" } : { blinky: '1.0.0' };
}

/**
 * Board i of n. Like the demo fleet, the third board is in safe mode because of a crashing app;
 * in bigger fleets every 17th board is offline, every 23rd has crashed, every 31st runs a new
 * image that is not confirmed yet, every 13th is a battery board asleep (every 41st one overdue),
 * every 53rd from the 42nd (b0042) runs the original MQBoard firmware (no status: little is known);
 * every 10th is tagged `kitchen` (its battery boards `battery` too).
 */
export function makeBoard(i: number, n: number, now: number): FakeBoard {
  const prefix = prefixFor(i, n);
  const safe = i === 2 || (n > 99 && i % 97 === 5);
  const crashedOnly = n > 99 && i % 23 === 7;
  const offline = n > 99 && i % 17 === 3;
  const pending = n > 99 && i % 31 === 11;
  const sleeping = n > 99 && !offline && (i % 13 === 6 || i % 41 === 20);
  const overdue = sleeping && i % 41 === 20;
  const original = n > 99 && !offline && !sleeping && !safe && i % 53 === 41;
  const crashes: CrashRecord[] =
    safe || crashedOnly ? [{ t: Math.floor(now / 1000) - 300 - i, boot: 3, where: 'module faulty', error: 'RuntimeError: faulty demo app failed to start', trace: TRACE('faulty') }] : [];
  return {
    previousFw: '1.2.0',
    crashes,
    view: {
      prefix,
      online: !offline && !sleeping,
      state: offline ? 'offline' : overdue ? 'overdue' : sleeping ? 'asleep' : 'online',
      ...(sleeping && { wakeAt: overdue ? now - 90_000 : now + 5_000 + (i % 50) * 1000, sleep: { period: 600, awake: 5 } }),
      lastSeen: now - (offline ? 3_600_000 + i * 1000 : (i % 50) * 1000),
      fw: pending ? '1.3.0-rc1' : '1.2.0',
      project: 'mqboard',
      partition: pending ? 'ota_1' : 'ota_0',
      pendingVerify: pending,
      safeMode: safe,
      safeReason: safe ? 'module faulty failed to start (3 failed boots)' : '',
      resetCause: safe ? 'watchdog' : i % 5 === 0 ? 'deep-sleep' : 'power-on',
      crashes: crashes.length,
      uptime: offline ? null : 60 + i * 37,
      memFree: offline ? null : 60_000 + ((i * 7919) % 20_000),
      ip: offline ? null : `10.42.${Math.floor(i / 250)}.${(i % 250) + 2}`,
      rssi: offline ? null : -40 - (i % 45),
      proto: 2,
      caps: sleeping ? [...ALL_CAPS, 'awake'] : ALL_CAPS,
      modules: appsOf(safe, crashedOnly, offline),
      ...(i % 10 === 4 && { tags: sleeping ? ['kitchen', 'battery'] : ['kitchen'] }),
      // What the console knows of an original-firmware board: what it answers (protocol 1).
      ...(original && { original: true, proto: PROTO_V1, fw: '', project: '', partition: '', pendingVerify: false, caps: [...V1_CAPS] }),
    },
  };
}

export function makeFleet(n: number, now: number): Map<string, FakeBoard> {
  const m = new Map<string, FakeBoard>();
  for (let i = 0; i < n; i++) {
    const b = makeBoard(i, n, now);
    m.set(b.view.prefix, b);
  }
  return m;
}

/** A status update of an online board: uptime advances, free memory wanders. */
export function churn(b: FakeBoard, now: number): BoardView {
  const v = b.view;
  const memFree = v.memFree === null ? null : Math.max(20_000, Math.min(90_000, v.memFree + Math.round((Math.random() - 0.5) * 2000)));
  b.view = { ...v, lastSeen: now, uptime: v.uptime === null ? null : v.uptime + 10, memFree };
  return b.view;
}
