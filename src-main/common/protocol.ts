// The MQBoard wire protocol (docs/protocol.md): topics, framing, flow control and the status
// message. Pure TypeScript, shared by the console engine, the CLI and the renderer.

import { sigSegment } from './signing.js';
export const PROTO_V1 = 1;
export const PROTO_V2 = 2;
/** What a board that never announced capabilities (an original MQBoard) can do. */
export const V1_CAPS: readonly string[] = ['eval', 'get', 'put', 'ota'];

export const HEADER_SIZE = 2;
export const LAST_FLAG = 0x8000;
export const SEQ_MASK = 0x7fff;
/** seq 0x7FFF with last set: a single-message reply ("no sequence"). */
export const NO_SEQ = 0x7fff;
/** The board acknowledges every ACK_EVERY-th message of a stream with "SEQ <n>". */
export const ACK_EVERY = 8;
/** The sender keeps at most WINDOW messages in flight beyond the last acknowledged seq, unless the
 * board's status announces another `window` (MIN_WINDOW..MAX_WINDOW). */
export const WINDOW = 16;
export const MIN_WINDOW = 8; // the board acknowledges every 8th message: a smaller window would stall
export const MAX_WINDOW = 256;
/** Payload per message of the original protocol; the board's receive buffer allows 4 KB. */
export const V1_CHUNK = 1400;
export const V2_CHUNK = 4096;
export const OTA_BLOCK = 4096;

export const TOPIC = {
  cmd: (prefix: string, cmd: string, id: string, tail?: string) =>
    `${prefix}/mqb/cmd/${cmd}/${id}${tail !== undefined && tail !== '' ? `/${tail}` : ''}`,
  out: (prefix: string, id: string) => `${prefix}/mqb/reply/out/${id}`,
  err: (prefix: string, id: string) => `${prefix}/mqb/reply/err/${id}`,
  status: (prefix: string) => `${prefix}/mqb/status`,
  crash: (prefix: string) => `${prefix}/mqb/crash`,
  log: (prefix: string) => `${prefix}/log`,
} as const;

/** Status topics of boards whose prefix has 1 to 3 levels. */
export const DEFAULT_DISCOVERY = ['+/mqb/status', '+/+/mqb/status', '+/+/+/mqb/status'];

export interface Frame {
  seq: number;
  last: boolean;
  /** A single-message reply (header 0xFFFF). */
  single: boolean;
  payload: Uint8Array;
}

export function encodeFrame(seq: number, last: boolean, payload: Uint8Array): Uint8Array {
  if (!Number.isInteger(seq) || seq < 0 || seq > SEQ_MASK) throw new RangeError(`sequence number out of range: ${seq}`);
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  const hdr = (last ? LAST_FLAG : 0) | seq;
  out[0] = hdr >> 8;
  out[1] = hdr & 0xff;
  out.set(payload, HEADER_SIZE);
  return out;
}

/** A single-message command (header 0x80 0x00). */
export function singleCommand(payload: Uint8Array): Uint8Array {
  return encodeFrame(0, true, payload);
}

export function decodeFrame(msg: Uint8Array): Frame {
  if (msg.length < HEADER_SIZE) throw new ProtocolError('reply without the 2-byte header');
  const hdr = (msg[0]! << 8) | msg[1]!;
  const seq = hdr & SEQ_MASK;
  const last = (hdr & LAST_FLAG) !== 0;
  return { seq, last, single: last && seq === NO_SEQ, payload: msg.subarray(HEADER_SIZE) };
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
export const encodeText = (s: string): Uint8Array => utf8.encode(s);
export const decodeText = (b: Uint8Array): string => utf8d.decode(b);

/** "SEQ <n>" flow-control acknowledgement, or undefined for a result. */
export function parseAck(payload: Uint8Array): number | undefined {
  if (payload.length < 5 || payload.length > 10 || payload[0] !== 0x53 || payload[1] !== 0x45 || payload[2] !== 0x51 || payload[3] !== 0x20) return undefined;
  const n = Number(decodeText(payload.subarray(4)));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Orders the framed replies of one invocation: drops redelivered (lower seq) messages,
 * reports a gap. Single-message replies (0xFFFF) pass through.
 */
export class FrameSequencer {
  private expected = 0;
  accept(frame: Frame): 'deliver' | 'duplicate' | { gap: number } {
    if (frame.single) return 'deliver';
    if (frame.seq < this.expected) return 'duplicate';
    if (frame.seq > this.expected) return { gap: frame.seq - this.expected };
    this.expected++;
    return 'deliver';
  }
  get next(): number {
    return this.expected;
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** 8 url-safe base64 characters, as the original client chose per invocation. */
export function newCommandId(random: (bytes: Uint8Array) => Uint8Array = (b) => globalThis.crypto.getRandomValues(b)): string {
  const b = random(new Uint8Array(8));
  let s = '';
  for (const x of b) s += ID_ALPHABET[x & 63];
  return s;
}

/** The tail of a v2 put that verifies the content, signed when `sig` is given (common/signing.ts). */
export const putTail = (path: string, sha256?: string, sig?: string) => `${sigSegment(sig)}${sha256 ? `sha256=${sha256}/${path}` : path}`;
/** The tail of an ota, resuming at `offset` when it is not 0 (v2), signed when `sig` is given. */
export const otaTail = (sha256: string, offset = 0, sig?: string) => `${sigSegment(sig)}${offset ? `${sha256}/${offset}` : sha256}`;

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Splits a status topic into the board prefix, or undefined when it is not one. */
export function prefixOfStatusTopic(topic: string): string | undefined {
  const suffix = '/mqb/status';
  if (!topic.endsWith(suffix)) return undefined;
  const prefix = topic.slice(0, -suffix.length);
  return prefix && !prefix.includes('+') && !prefix.includes('#') ? prefix : undefined;
}

/** Checks that a prefix is usable in topics: 1+ levels, no wildcards, no empty level. */
export function validatePrefix(prefix: string): string | undefined {
  if (!prefix) return 'the board prefix is empty';
  if (/[+#\0]/.test(prefix)) return `the board prefix "${prefix}" contains a wildcard or NUL`;
  if (prefix.split('/').some((p) => p === '')) return `the board prefix "${prefix}" has an empty topic level`;
  return undefined;
}
