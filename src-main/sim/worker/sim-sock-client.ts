// The board side of the `socket` module's sockets, which the host holds (../board-sockets.ts).
// Each call posts a request and blocks this thread until the host has answered in the shared
// channel: Python is stopped meanwhile, as an ESP32 task is inside a blocking lwIP call.
// Payloads move through the character device /simsock/chan: Python arms a send or a receive,
// then its write() or readinto() on the device performs it, copying between the interpreter's
// heap and the channel (no conversion of bytes through the JavaScript proxy).
import type { SockOp, SockRequest, WorkerToHost } from '../worker-protocol.js';
import { SOCK_DATA_BYTES, SOCK_HEADER_BYTES, SOCK_SLOT, SOCK_STATE } from '../worker-protocol.js';
import type { EmscriptenFS, FsStream } from './emscripten-fs.js';
import { linuxErrno, wasiErrno, wasiErrnoForLinux } from './errno-bridge.js';
import type { SocketBudget } from './socket-budget.js';

export const SOCK_DEVICE_DIR = '/simsock';
const SOCK_MAJOR = 65;

type Args = Pick<SockRequest, 'op' | 'id' | 'arg' | 'flags' | 'host' | 'port'>;

export class SimSockClient {
  private readonly head: Int32Array;
  private readonly data: Uint8Array;
  /** The send or receive the next device write or read performs. */
  private armed: Args | undefined;

  constructor(
    private readonly FS: EmscriptenFS,
    channel: SharedArrayBuffer,
    private readonly post: (msg: WorkerToHost) => void,
    private readonly linkUp: () => boolean,
    private readonly budget: SocketBudget,
  ) {
    this.head = new Int32Array(channel, 0, SOCK_HEADER_BYTES / 4);
    this.data = new Uint8Array(channel, SOCK_HEADER_BYTES);
    this.registerDevice();
  }

  /**
   * A request without payload: its result (>= 0), or a negative Linux errno. Opening a socket
   * takes a slot of lwIP's socket table (ENFILE when full), closing it gives the slot back.
   */
  call(op: SockOp, id: number, arg = 0, flags = 0, host = '', port = 0, len = 0): number {
    if (op === 'open' && !this.budget.take()) return -linuxErrno('ENFILE');
    const r = this.request(op, id, arg, flags, host, port, len);
    if ((op === 'open' && r < 0) || (op === 'close' && r >= 0)) this.budget.release();
    return r;
  }

  private request(op: SockOp, id: number, arg: number, flags: number, host: string, port: number, len: number): number {
    Atomics.store(this.head, SOCK_SLOT.STATE, SOCK_STATE.WAITING);
    this.post({ type: 'sock', op, id, arg, flags, len, host, port, link: this.linkUp() });
    while (Atomics.load(this.head, SOCK_SLOT.STATE) === SOCK_STATE.WAITING) {
      Atomics.wait(this.head, SOCK_SLOT.STATE, SOCK_STATE.WAITING, 1000);
    }
    Atomics.store(this.head, SOCK_SLOT.STATE, SOCK_STATE.IDLE);
    return Atomics.load(this.head, SOCK_SLOT.RESULT);
  }

  arm(op: SockOp, id: number, arg: number, flags: number, host: string, port: number): void {
    this.armed = { op, id, arg, flags, host, port };
  }

  /** 'address|port' of the datagram the last receive returned. */
  lastFrom(): string {
    const a = Atomics.load(this.head, SOCK_SLOT.ADDR) >>> 0;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}|${Atomics.load(this.head, SOCK_SLOT.PORT)}`;
  }

  /** The firmware's Wi-Fi disconnected: the host aborts the TCP connections (no answer awaited). */
  linkLost(): void {
    this.post({ type: 'sock', op: 'linklost', id: 0, arg: 0, flags: 0, len: 0, host: '', port: 0, link: false });
  }

  private perform(length: number): number {
    const a = this.armed;
    // Consumed by the first read or write: the stream layer's next call (for the rest of its
    // buffer) finds nothing armed and ends with what was transferred.
    this.armed = undefined;
    if (!a) throw new this.FS.ErrnoError(wasiErrno('EAGAIN'));
    const r = this.request(a.op, a.id, a.arg, a.flags, a.host, a.port, Math.min(length, SOCK_DATA_BYTES));
    if (r < 0) throw new this.FS.ErrnoError(wasiErrnoForLinux(-r));
    return r;
  }

  private registerDevice(): void {
    const FS = this.FS;
    FS.mkdirTree(SOCK_DEVICE_DIR);
    const dev = FS.makedev(SOCK_MAJOR, 0);
    FS.registerDevice(dev, {
      read: (_stream: FsStream, buffer: Int8Array, offset: number, length: number) => {
        const n = this.perform(length);
        new Uint8Array(buffer.buffer, buffer.byteOffset).set(this.data.subarray(0, n), offset);
        return n;
      },
      write: (_stream: FsStream, buffer: Int8Array, offset: number, length: number) => {
        if (this.armed) this.data.set(new Uint8Array(buffer.buffer, buffer.byteOffset + offset, Math.min(length, SOCK_DATA_BYTES)));
        return this.perform(length);
      },
      llseek: () => {
        throw new FS.ErrnoError(wasiErrno('ESPIPE'));
      },
    });
    FS.mkdev(`${SOCK_DEVICE_DIR}/chan`, 0o666, dev);
  }
}
