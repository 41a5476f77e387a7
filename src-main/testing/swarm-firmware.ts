// The firmware side of a swarm board (board-swarm.ts): `otastat`, a streamed `ota` with SEQ acks
// and the SHA-256 check (docs/protocol.md), and `reset`, after which the board comes back on the
// other slot running the new image's version, pending verification, and confirms it a moment
// later, as a healthy board's all-OK does. Enough for rollouts at fleet scale; no flash, no Python.
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { parseAppImage } from '../common/firmware-image.js';
import { NO_SEQ } from '../common/protocol.js';

/** SEQ acknowledgements every this many messages (within the status's window of 64). */
const ACK_EVERY = 8;

export interface SwarmFirmwareState {
  fw: string;
  partition: string;
  pendingVerify: boolean;
  boots: number;
  resetCause: string;
}

interface Upload {
  id: string;
  sha: string;
  next: number;
  hash: Hash;
  head: Uint8Array[];
  headBytes: number;
}

export type SwarmReply = (kind: 'out' | 'err', text: string) => void;

const otherSlot = (p: string) => (p === 'ota_0' ? 'ota_1' : 'ota_0');

export class SwarmFirmware {
  readonly state: SwarmFirmwareState = { fw: '1.2.0', partition: 'ota_0', pendingVerify: false, boots: 1, resetCause: 'power-on' };
  /** What the last complete upload holds: booted at the next reset. */
  private staged: { version: string } | undefined;
  private upload: Upload | undefined;
  uploads = 0;

  otastat(tail: string, reply: SwarmReply): void {
    const sha = tail.split('/')[0] ?? '';
    // Nothing recorded to resume from: a swarm board keeps no partial image.
    reply('out', JSON.stringify({ sha, offset: 0, partition: otherSlot(this.state.partition) }));
  }

  /** One message of an `ota` stream (frames decoded by the caller). */
  otaFrame(id: string, tail: string, seq: number, last: boolean, payload: Uint8Array, reply: SwarmReply): void {
    if (seq === 0 || seq === NO_SEQ) {
      const [sha = '', offset = '0'] = tail.split('/');
      if (Number(offset) !== 0) return reply('err', `cannot resume at ${offset}`);
      this.upload = { id, sha, next: 0, hash: createHash('sha256'), head: [], headBytes: 0 };
    }
    const u = this.upload;
    if (!u || u.id !== id || (seq !== NO_SEQ && seq < u.next)) return; // redelivered, or a stream we lost
    u.next = seq === NO_SEQ ? 1 : seq + 1;
    u.hash.update(payload);
    if (u.headBytes < 4096) {
      u.head.push(payload);
      u.headBytes += payload.length;
    }
    if (seq !== NO_SEQ && seq % ACK_EVERY === 0 && !last) reply('out', `SEQ ${seq}`);
    if (!last) return;
    this.upload = undefined;
    const got = u.hash.digest('hex');
    if (got !== u.sha) return reply('err', `SHA-256 mismatch: expected ${u.sha}, got ${got}`);
    const head = Buffer.concat(u.head);
    this.staged = { version: parseAppImage(head).appDesc?.version ?? '' };
    this.uploads++;
    reply('out', 'OK');
  }

  /** The reset: the next boot runs a staged image on the other slot, pending verification. */
  reboot(): void {
    const s = this.state;
    s.boots++;
    s.resetCause = 'hard';
    if (this.staged) {
      s.fw = this.staged.version || s.fw;
      s.partition = otherSlot(s.partition);
      s.pendingVerify = true;
      this.staged = undefined;
    }
  }

  /** The board's all-OK after a healthy boot. */
  confirm(): void {
    this.state.pendingVerify = false;
  }
}
