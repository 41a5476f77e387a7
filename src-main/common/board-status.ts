// The retained status a board publishes on <prefix>/mqb/status (docs/protocol.md), parsed
// defensively: a board in the field may run the original firmware, an older version of ours,
// or publish garbage. Pure TypeScript.
import { MAX_WINDOW, MIN_WINDOW, PROTO_V1, V1_CAPS, WINDOW } from './protocol.js';
import { statusTags } from './board-tags.js';
import { KEY_ID } from './signing.js';

export interface BoardStatus {
  prefix: string;
  online: boolean;
  /** The app descriptor's version; a stock build leaves it empty, then MicroPython's ('v1.27.0'). */
  fw: string;
  /** The app descriptor's project name ('' in a stock build). */
  project: string;
  /** MicroPython's version from os.uname() ('v1.27.0 on 2025-12-10'), '' if not said. */
  micropython: string;
  /** The running image's app_elf_sha256 (64 hex digits): what tells images apart; '' if not said. */
  appSha: string;
  partition: string;
  /** Bytes the board's next OTA slot holds (its partition table), or null if it did not say. */
  otaSlot: number | null;
  pendingVerify: boolean;
  safeMode: boolean;
  safeReason: string;
  resetCause: string;
  boots: number;
  failedBoots: number;
  crashes: number;
  uptime: number | null;
  memFree: number | null;
  ip: string | null;
  rssi: number | null;
  modules: Record<string, string>;
  proto: number;
  caps: string[];
  /** Messages a stream to the board may have in flight beyond its last SEQ (default WINDOW). */
  window: number;
  /** The board's clock when it published (seconds), if set. */
  t: number | null;
  /** A planned deep sleep (protocol v2, battery boards): the board said so before disconnecting. */
  asleep: boolean;
  /** The duty cycle of a battery board (in every status it publishes), or null. */
  sleep: SleepInfo | null;
  /** The board's tags (docs/firmware.md, *Tags*): valid ones only, at most 8; [] when it has none. */
  tags: string[];
  /** Signed updates (docs/signing.md): the keys it trusts and whether it refuses unsigned ones; absent when not configured. */
  signing?: { require: boolean; keys: string[] };
}

export interface SleepInfo {
  /** Seconds asleep per cycle. */
  period: number;
  /** Seconds of the normal awake window. */
  awake: number;
  /** When it wakes next (Unix seconds, the board's clock), or null (not asleep, or clock unknown). */
  nextWake: number | null;
}

const str = (v: unknown, d = '') => (typeof v === 'string' ? v : d);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown) => v === true;

/**
 * Parses a status payload. Returns undefined for an empty retained message (a cleared status);
 * throws on malformed JSON so the caller can log it once and keep the previous state.
 */
export function parseBoardStatus(prefix: string, text: string): BoardStatus | undefined {
  if (text.trim() === '') return undefined;
  const j: unknown = JSON.parse(text);
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new SyntaxError('status is not a JSON object');
  const o = j as Record<string, unknown>;
  const proto = num(o.proto) ?? PROTO_V1;
  const caps = Array.isArray(o.caps) ? o.caps.filter((c): c is string => typeof c === 'string') : [...V1_CAPS];
  const modules: Record<string, string> = {};
  if (typeof o.modules === 'object' && o.modules !== null) {
    for (const [k, v] of Object.entries(o.modules)) modules[k] = String(v);
  }
  return {
    prefix,
    online: o.online !== false,
    fw: str(o.fw),
    project: str(o.project),
    micropython: str(o.micropython),
    appSha: typeof o.app_sha === 'string' && /^[0-9a-f]{64}$/.test(o.app_sha) ? o.app_sha : '',
    partition: str(o.partition),
    otaSlot: slotSize(o.ota_slot),
    pendingVerify: bool(o.pending_verify),
    safeMode: bool(o.safe_mode),
    safeReason: str(o.safe_reason),
    resetCause: str(o.reset_cause),
    boots: num(o.boots) ?? 0,
    failedBoots: num(o.failed_boots) ?? 0,
    crashes: num(o.crashes) ?? 0,
    uptime: num(o.uptime),
    memFree: num(o.mem_free),
    ip: typeof o.ip === 'string' ? o.ip : null,
    rssi: num(o.rssi),
    modules,
    proto,
    caps,
    window: streamWindow(o.window),
    t: num(o.t),
    asleep: o.online === false && bool(o.asleep),
    sleep: sleepInfo(o.sleep),
    tags: statusTags(o.tags),
    ...signingInfo(o.signing),
  };
}

function signingInfo(v: unknown): { signing?: { require: boolean; keys: string[] } } {
  if (typeof v !== 'object' || v === null) return {};
  const o = v as Record<string, unknown>;
  const keys = Array.isArray(o.keys) ? o.keys.filter((k): k is string => typeof k === 'string' && KEY_ID.test(k)).slice(0, 16) : [];
  return { signing: { require: o.require === true, keys } };
}

/**
 * What is known of a board on the original firmware (protocol version 1) that publishes no status:
 * it answered an eval or was heard on its log or reply topics, so it is online; the rest is
 * unknown. Its commands are the version-1 ones.
 */
export function originalFirmwareStatus(prefix: string): BoardStatus {
  return {
    prefix, online: true, fw: '', project: '', micropython: '', appSha: '', partition: '', pendingVerify: false, safeMode: false, safeReason: '', resetCause: '',
    boots: 0, failedBoots: 0, crashes: 0, uptime: null, memFree: null, ip: null, rssi: null, modules: {}, otaSlot: null,
    proto: PROTO_V1, caps: [...V1_CAPS], window: WINDOW, t: null, asleep: false, sleep: null, tags: [],
  };
}

function sleepInfo(v: unknown): SleepInfo | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const period = num(o.period);
  // Without a positive period nothing about the next wake can be worked out.
  if (period === null || period <= 0) return null;
  return { period, awake: Math.max(0, num(o.awake) ?? 0), nextWake: num(o.next_wake) };
}

function slotSize(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n > 0 ? n : null;
}

function streamWindow(v: unknown): number {
  const n = num(v);
  return n === null ? WINDOW : Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, Math.floor(n)));
}

export function hasCap(s: Pick<BoardStatus, 'caps'> | undefined, cap: string): boolean {
  return s ? s.caps.includes(cap) : V1_CAPS.includes(cap);
}

export interface CrashRecord {
  t: number | null;
  boot: number | null;
  where: string;
  error: string;
  trace: string;
}
