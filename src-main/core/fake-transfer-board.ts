// A board for unit tests of the transfer engines: answers ota/otastat/put/get/stat/ls/mkdir/rm/
// rmdir/mv/df over a FakeSession the way docs/protocol.md says, acknowledges streams with
// "SEQ <n>" a little later (so the sender really fills its window), and measures what a test
// asserts: how far the sender ran ahead of the acknowledgements, how many messages arrived.
// Faults: a "power cut" after N bytes of an upload (the board ignores everything until the next
// otastat, as a board that rebooted), a corrupted payload in transit.
import { createHash } from 'node:crypto';
import { decodeFrame, decodeText, encodeFrame, encodeText, NO_SEQ, PROTO_V2, V1_CAPS, V1_CHUNK, V2_CHUNK } from '../common/protocol.js';
import { BoardClient } from './board-client.js';
import type { FakeSession, Published } from './fake-session.js';

const V2_CAPS = [...V1_CAPS, 'exec', 'ls', 'stat', 'mkdir', 'rm', 'rmdir', 'mv', 'df', 'otastat', 'reset'];
const RECORD_EVERY = 65536;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Stream {
  cmd: string;
  tail: string;
  next: number;
  parts: Uint8Array[];
  bytes: number;
}

export class FakeTransferBoard {
  readonly files = new Map<string, Uint8Array>();
  readonly dirs = new Set<string>(['/']);
  /** The OTA partition: what arrived of the image being uploaded, and what its progress record says. */
  flash = new Uint8Array(0);
  otaSha = '';
  otaRecorded = 0;
  booted = '';
  /** Largest (seq - last SEQ ack the sender had received) seen: must stay <= the window. */
  maxAhead = 0;
  messages = 0;
  /** Power cut after this many bytes of the next ota stream; the board then ignores everything until an otastat. */
  cutAfterBytes: number | undefined;
  down = false;
  /** false: the board stays down after a power cut (it never comes back). */
  comesBack = true;
  /** Flips a byte of the put payload with this seq, as a corrupting link would. */
  corruptPutSeq: number | undefined;
  /** Flips a byte of the get reply with this seq. */
  corruptGetSeq: number | undefined;
  /** Answers eval (the board runs Python; a test answers for it). */
  evalHandler: ((code: string) => string) | undefined;
  private readonly streams = new Map<string, Stream>();
  private readonly acked = new Map<string, number>();

  constructor(
    readonly session: FakeSession,
    readonly prefix: string,
    readonly proto: 1 | 2 = PROTO_V2,
  ) {
    session.onPublish = (p) => this.onPublish(p);
  }

  /** `otaSlot`: the slot size its status would announce (none: it does not say). */
  client(timeoutMs = 2000, otaSlot?: number): BoardClient {
    return new BoardClient(this.session, this.prefix, {
      proto: this.proto, caps: this.proto === 1 ? [...V1_CAPS] : V2_CAPS, timeoutMs, ...(otaSlot !== undefined && { otaSlot }),
    });
  }

  private reply(id: string, payload: Uint8Array | string, seq = NO_SEQ, last = true): void {
    const bytes = typeof payload === 'string' ? encodeText(payload) : payload;
    queueMicrotask(() => this.session.deliver(`${this.prefix}/mqb/reply/out/${id}`, encodeFrame(seq, last, bytes)));
  }

  private err(id: string, text: string): void {
    queueMicrotask(() => this.session.deliver(`${this.prefix}/mqb/reply/err/${id}`, text));
  }

  private onPublish(p: Published): void {
    const head = `${this.prefix}/mqb/cmd/`;
    if (!p.topic.startsWith(head)) return;
    const [cmd = '', id = '', tail = ''] = splitTwice(p.topic.slice(head.length));
    const f = decodeFrame(p.payload);
    this.messages++;
    if (this.down) {
      if (cmd !== 'otastat' || !this.comesBack) return;
      this.down = false; // the board is back: it rebooted and lost the stream
      this.streams.clear();
    }
    if (f.seq !== NO_SEQ && (f.seq > 0 || !f.last)) this.maxAhead = Math.max(this.maxAhead, f.seq - (this.acked.get(id) ?? -1));
    if (cmd === 'ota' || cmd === 'put') return this.onStream(cmd, id, tail, f.seq, f.last, f.payload);
    const text = decodeText(f.payload);
    try {
      this.command(cmd, id, tail, text);
    } catch (e) {
      this.err(id, (e as Error).message);
    }
  }

  private onStream(cmd: string, id: string, tail: string, seq: number, last: boolean, payload: Uint8Array): void {
    let s = this.streams.get(id);
    if (!s) {
      if (seq !== 0) return;
      s = { cmd, tail, next: 0, parts: [], bytes: 0 };
      if (cmd === 'ota' && !this.startOta(s, id)) return;
      this.streams.set(id, s);
    }
    if (seq < s.next) return; // redelivered
    s.next++;
    if (cmd === 'put' && seq === this.corruptPutSeq && payload.length) {
      payload = Uint8Array.from(payload);
      payload[0] = payload[0]! ^ 0xff;
    }
    if (cmd === 'ota' && this.cutAfterBytes !== undefined && s.bytes + payload.length > this.cutAfterBytes) {
      this.cutAfterBytes = undefined;
      this.down = true;
      this.streams.clear();
      return;
    }
    s.parts.push(payload);
    s.bytes += payload.length;
    if (cmd === 'ota') this.writeFlash(payload);
    if (seq % 8 === 0) setImmediate(() => {
      this.acked.set(id, Math.max(this.acked.get(id) ?? -1, seq));
      this.session.deliver(`${this.prefix}/mqb/reply/out/${id}`, encodeFrame(NO_SEQ, true, encodeText(`SEQ ${seq}`)));
    });
    if (last) setImmediate(() => this.endStream(s, id));
  }

  private startOta(s: Stream, id: string): boolean {
    const [want, off = '0'] = s.tail.split('/');
    const offset = Number(off);
    if (offset > 0) {
      if (this.proto === 1 || want !== this.otaSha || offset > this.otaRecorded || offset % 4096) {
        this.err(id, `cannot resume at ${offset}`);
        return false;
      }
    } else {
      this.otaSha = want ?? '';
      this.flash = new Uint8Array(0);
      this.otaRecorded = 0;
    }
    this.flash = this.flash.subarray(0, offset);
    return true;
  }

  private writeFlash(payload: Uint8Array): void {
    const grown = new Uint8Array(this.flash.length + payload.length);
    grown.set(this.flash);
    grown.set(payload, this.flash.length);
    this.flash = grown;
    this.otaRecorded = Math.floor(this.flash.length / RECORD_EVERY) * RECORD_EVERY;
  }

  private endStream(s: Stream, id: string): void {
    this.streams.delete(id);
    const data = concat(s.parts);
    if (s.cmd === 'ota') {
      const got = sha(this.flash);
      this.otaRecorded = 0;
      if (got !== this.otaSha) return this.err(id, `SHA-256 mismatch: expected ${this.otaSha}, got ${got}`);
      this.booted = got;
      return this.reply(id, 'OK');
    }
    const m = /^sha256=([0-9a-f]{64})\/(.*)$/.exec(s.tail);
    const path = m ? m[2]! : s.tail;
    if (m && sha(data) !== m[1]) return this.err(id, `SHA-256 mismatch: expected ${m[1]}, got ${sha(data)}`);
    this.files.set(path, data);
    this.reply(id, 'OK');
  }

  /** The message size of each get served. */
  readonly getChunks: number[] = [];

  private command(cmd: string, id: string, tail: string, text: string): void {
    const v2only = ['otastat', 'stat', 'ls', 'mkdir', 'rm', 'rmdir', 'mv', 'df', 'reset'];
    if (this.proto === 1 && v2only.includes(cmd)) throw new Error(`Command '${cmd}' not supported`);
    const opts = text && ['stat', 'ls', 'rmdir', 'get'].includes(cmd) ? (JSON.parse(text) as { sha?: boolean; recursive?: boolean; chunk?: number }) : {};
    switch (cmd) {
      case 'otastat':
        return this.reply(id, JSON.stringify({ sha: tail, offset: tail === this.otaSha ? this.otaRecorded : 0, partition: 'ota_1' }));
      case 'get': {
        const data = this.file(tail);
        // Version 1 sends 1,400-byte messages; version 2 what the request asks for (up to 4 KB).
        const size = this.proto === 1 ? V1_CHUNK : Math.min(V2_CHUNK, opts.chunk ?? V1_CHUNK);
        this.getChunks.push(size);
        let seq = 0;
        for (let at = 0; at < data.length; at += size) {
          const part = Uint8Array.from(data.subarray(at, at + size));
          if (seq === this.corruptGetSeq) part[0] = part[0]! ^ 0xff;
          this.reply(id, part, seq++, false);
        }
        return this.reply(id, new Uint8Array(0), seq, true);
      }
      case 'stat': {
        if (this.dirs.has(tail)) return this.reply(id, JSON.stringify({ type: 'd', size: 0, mtime: 0 }));
        const data = this.file(tail);
        return this.reply(id, JSON.stringify({ type: 'f', size: data.length, mtime: 0, ...(opts.sha && { sha256: sha(data) }) }));
      }
      case 'ls':
        return this.reply(id, JSON.stringify(this.list(tail, opts.recursive === true, opts.sha === true)));
      case 'mkdir':
        this.dirs.add(tail);
        return this.reply(id, 'OK');
      case 'rm':
        if (this.dirs.has(tail)) throw new Error(`EISDIR: ${tail}`);
        this.file(tail);
        this.files.delete(tail);
        return this.reply(id, 'OK');
      case 'rmdir': {
        if (!this.dirs.has(tail)) throw new Error(`ENOENT: ${tail}`);
        const inside = [...this.files.keys(), ...this.dirs].filter((p) => p.startsWith(`${tail}/`));
        if (inside.length && !opts.recursive) throw new Error(`ENOTEMPTY: ${tail}`);
        for (const p of inside) if (!this.files.delete(p)) this.dirs.delete(p);
        this.dirs.delete(tail);
        return this.reply(id, 'OK');
      }
      case 'mv':
        this.files.set(text, this.file(tail));
        this.files.delete(tail);
        return this.reply(id, 'OK');
      case 'eval':
        if (!this.evalHandler) throw new Error('eval is not scripted in this test');
        return this.reply(id, this.evalHandler(text));
      case 'df':
        return this.reply(id, JSON.stringify({ total: 2_000_000, free: 1_000_000, block: 4096 }));
      default:
        throw new Error(`Command '${cmd}' not supported`);
    }
  }

  private file(path: string): Uint8Array {
    const data = this.files.get(path);
    if (!data) throw new Error(`ENOENT: ${path}`);
    return data;
  }

  private list(dir: string, recursive: boolean, withSha: boolean): unknown[] {
    if (!this.dirs.has(dir)) throw new Error(`ENOENT: ${dir}`);
    const base = dir === '/' ? '/' : `${dir}/`;
    const out: unknown[] = [];
    for (const d of this.dirs) if (d !== dir && d.startsWith(base) && (recursive || !d.slice(base.length).includes('/'))) out.push({ name: d.slice(base.length), type: 'd', size: 0, mtime: 0 });
    for (const [p, data] of this.files) {
      if (!p.startsWith(base) || (!recursive && p.slice(base.length).includes('/'))) continue;
      out.push({ name: p.slice(base.length), type: 'f', size: data.length, mtime: 0, ...(withSha && { sha256: sha(data) }) });
    }
    return out;
  }
}

function splitTwice(s: string): string[] {
  const a = s.indexOf('/');
  if (a < 0) return [s];
  const b = s.indexOf('/', a + 1);
  return b < 0 ? [s.slice(0, a), s.slice(a + 1)] : [s.slice(0, a), s.slice(a + 1, b), s.slice(b + 1)];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
