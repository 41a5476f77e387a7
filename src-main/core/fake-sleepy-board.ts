// A battery board for unit tests of the console's sleep handling: a FakeTransferBoard (files, OTA,
// eval) that also answers `awake`, announces its duty cycle in its status, and sleeps: while it
// sleeps, commands published to it wait (as the broker's persistent session keeps them) and are
// handled at wake(), after its online status.
import { decodeFrame, decodeText, encodeFrame, encodeText, NO_SEQ } from '../common/protocol.js';
import type { FakeSession, Published } from './fake-session.js';
import { FakeTransferBoard } from './fake-transfer-board.js';

export const SLEEPY_CAPS = ['eval', 'exec', 'get', 'put', 'ota', 'ls', 'stat', 'mkdir', 'rm', 'rmdir', 'mv', 'df', 'otastat', 'reset', 'awake'];

export class FakeSleepyBoard {
  readonly inner: FakeTransferBoard;
  /** The seconds of every `awake` request, in order. */
  readonly awakeRequests: number[] = [];
  /** Every command the board ran (name), in order. */
  readonly ran: string[] = [];
  asleep = false;
  boots = 1;
  private held: Published[] = [];
  private readonly handle: (p: Published) => void;

  constructor(
    readonly session: FakeSession,
    readonly prefix = 'bat/b1',
    readonly period = 10,
    readonly caps: string[] = SLEEPY_CAPS,
  ) {
    this.inner = new FakeTransferBoard(session, prefix);
    this.handle = session.onPublish!;
    session.onPublish = (p) => this.onPublish(p);
  }

  /** Its status: online (awake) or the planned-sleep status with the next wake in `period` s. */
  status(asleep: boolean, t = 1_000): string {
    const sleep = { period: this.period, awake: 2, next_wake: asleep ? t + this.period : null };
    return JSON.stringify({ online: !asleep, ...(asleep && { asleep: true }), proto: 2, caps: this.caps, boots: this.boots, uptime: 1, sleep, t });
  }

  sleep(): void {
    this.asleep = true;
    this.session.deliver(`${this.prefix}/mqb/status`, this.status(true), { retain: true, dup: false });
  }

  /** Wakes: the online status, then the commands that waited for it. */
  wake(): void {
    this.asleep = false;
    this.boots++;
    this.session.deliver(`${this.prefix}/mqb/status`, this.status(false), { retain: true, dup: false });
    for (const p of this.held.splice(0)) this.onPublish(p);
  }

  private onPublish(p: Published): void {
    const head = `${this.prefix}/mqb/cmd/`;
    if (!p.topic.startsWith(head)) return;
    if (this.asleep) {
      this.held.push(p);
      return;
    }
    const [cmd = '', id = ''] = p.topic.slice(head.length).split('/');
    this.ran.push(cmd);
    if (cmd !== 'awake') return this.handle(p);
    this.awakeRequests.push(Number(decodeText(decodeFrame(p.payload).payload)));
    queueMicrotask(() => this.session.deliver(`${this.prefix}/mqb/reply/out/${id}`, encodeFrame(NO_SEQ, true, encodeText('OK'))));
  }
}
