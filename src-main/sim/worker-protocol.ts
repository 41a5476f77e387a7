// The contract between a VirtualBoard (host, main thread) and its board worker thread.
import type { MessagePort } from 'node:worker_threads';
import type { RadioTiming } from './radio-timing.js';
import type { PartitionTable } from './partition-table.js';

/** machine.reset_cause() values of the ESP32 port. */
export const RESET_CAUSE = { PWRON: 1, HARD: 2, WDT: 3, DEEPSLEEP: 4, SOFT: 5 } as const;
export type ResetCause = (typeof RESET_CAUSE)[keyof typeof RESET_CAUSE];

/**
 * Worker exit codes: a reset ends the worker at once (nothing after machine.reset() may run),
 * and the exit code is the one message that cannot be lost on the way.
 */
export const EXIT = { HARD_RESET: 80, SOFT_RESET: 81, POWER_CUT: 82, PANIC: 83, DEEPSLEEP: 84, NO_APP: 85 } as const;

/** Float64 slots of the shared control block (written by the worker, read by the host). */
/**
 * CLOCK_OFFSET_MS: the board's RTC clock minus the host's clock (ms). The RTC keeps counting through
 * resets and deep sleep and starts again at power-on, so the host sets it at power-on only and
 * the worker moves it when the firmware sets the time (RTC.datetime()).
 */
export const CTRL = { WDT_TIMEOUT_MS: 0, WDT_LAST_FEED: 1, HEAP_NOW: 2, HEAP_PEAK: 3, DEEPSLEEP_MS: 4, CLOCK_OFFSET_MS: 6 } as const;
export const CTRL_SLOTS = 16;
/**
 * Int32 slots of the same block, for Atomics: the Ctrl-C gate (bytes 40-47, Float64 slot 5), and
 * from byte 64 on the scheduler bridge (scheduler-line.ts): its lock (SCHED_LOCK), whether the
 * worker has been asked to run what the host queued (SCHED_WAKE), and per machine.Timer id
 * TIMER_STRIDE slots from TIMERS: armed (1), the callback's and the Timer's object addresses.
 */
export const CTRL_I32 = { KBD_GATE: 10, KBD_DEFERRED: 11, SCHED_LOCK: 16, SCHED_WAKE: 17, TIMERS: 18 } as const;
export const TIMER_STRIDE = 3;
export const TIMER_COUNT = 4;
/** SCHED_LOCK: who holds the scheduler queue (only the VM's own dequeue ignores it). */
export const SCHED_LOCK = { FREE: 0, HOST: 1, WORKER: 2 } as const;
/**
 * Who may deliver a host Ctrl-C now: OPEN while the firmware has a terminal stream attached
 * (os.dupterm), WRITING while the host writes the interrupt, FIRED once it did (still open),
 * TERMINAL while the worker runs the terminal stream's own code: the host then only sets
 * KBD_DEFERRED and the worker delivers the interrupt when that code has returned.
 */
export const KBD_GATE = { CLOSED: 0, OPEN: 1, WRITING: 2, FIRED: 3, TERMINAL: 4 } as const;
/** sched_state values of MicroPython's scheduler (py/mpstate.h). */
export const MP_SCHED = { PENDING: 0, IDLE: 1 } as const;

/** Byte addresses in the wasm memory that mp_sched_keyboard_interrupt() writes, and the value. */
export interface KbdWords {
  /** The pending exception slot; `exception` is stored there. */
  pending: number;
  /** Address of the interpreter's static KeyboardInterrupt object. */
  exception: number;
  /** sched_state: IDLE becomes PENDING so the VM looks. */
  schedState: number;
  /** The exception object's traceback pointer, cleared. */
  traceback: number;
}

/**
 * Byte addresses of MicroPython's scheduler queue (py/scheduler.c, py/mpstate.h): sched_state is an
 * int16 (KbdWords.schedState), the queue length and head index the two bytes after it.
 */
export interface SchedWords {
  state: number;
  len: number;
  idx: number;
  /** The first {func, arg} item; `depth` (MICROPY_SCHEDULER_DEPTH) of them follow each other. */
  queue: number;
  depth: number;
}

/** WLAN status codes of the ESP32 port (network.STAT_*). */
export const WLAN_STATUS = { IDLE: 1000, CONNECTING: 1001, GOT_IP: 1010, NO_AP_FOUND: 201, WRONG_PASSWORD: 202 } as const;

/**
 * The board's `socket` module reaches its sockets on the host (board-sockets.ts) synchronously, as
 * lwIP calls block an ESP32's task: the worker posts a SockRequest, then waits on the channel
 * (BoardWorkerInit.sockChannel) until the host has stored the result there. Payload bytes follow
 * the header in the same buffer. Errors are negative Linux errno values.
 */
export type SockOp = 'open' | 'connect' | 'send' | 'sendto' | 'recv' | 'poll' | 'nodelay' | 'bind' | 'close' | 'linklost';
export interface SockRequest {
  type: 'sock';
  op: SockOp;
  id: number;
  /** open: 1 TCP, 2 UDP; connect/send/recv: ms to wait (-1 without limit, 0 non-blocking); poll: events; nodelay: 0/1. */
  arg: number;
  /** recv: 1 = MSG_PEEK. */
  flags: number;
  /** Bytes of payload in the channel (send, sendto) or room for it (recv). */
  len: number;
  host: string;
  port: number;
  /** The board's Wi-Fi is associated (connect, send, sendto). */
  link: boolean;
}
export const SOCK_SLOT = { STATE: 0, RESULT: 1, PORT: 2, ADDR: 3 } as const;
export const SOCK_STATE = { IDLE: 0, WAITING: 1, DONE: 2 } as const;
export const SOCK_HEADER_BYTES = 16;
export const SOCK_DATA_BYTES = 32 * 1024;

/**
 * What a virtual board's getaddrinfo finds for a name (py/socket.py): `names` maps a host name to
 * an IPv4 address, and every lookup of a name blocks the interpreter for `lookupMs` (IP literals
 * and localhost are not looked up).
 */
export interface BoardDns {
  names: Record<string, string>;
  lookupMs: number;
}

export interface BoardWorkerInit {
  boardId: string;
  flashDir: string;
  partitionDir: string;
  rtcFile: string;
  otadataFile: string;
  pyDir: string;
  resetCause: ResetCause;
  runningSlot: 'ota_0' | 'ota_1';
  /** The MicroPython release the booted image is (BootDecision.micropython), e.g. 'v1.27.0'. */
  micropython: string;
  uniqueIdHex: string;
  ip: string;
  accessPoint: { ssid: string; password: string };
  /** What the Wi-Fi join costs (src-main/sim/radio-timing.ts). */
  radio: RadioTiming;
  flashCapacity: number;
  /** Sizes of the app slots and the file system (partition-table.ts). */
  partitionTable: PartitionTable;
  /** time.ticks_ms() when the interpreter starts (_simtime.py). */
  ticksAtStart: number;
  /** The board's DNS (VirtualBoardOptions.dns): what a name resolves to, and how long a lookup blocks. */
  dns: BoardDns;
  heapBytes: number;
  /** MemoryError past heapBytes (the GC heap is capped); otherwise it grows on demand. */
  enforceHeap: boolean;
  gcThreshold: number;
  control: SharedArrayBuffer;
  linkUp: boolean;
  /** The board's sockets: the host end is a HostNetwork (net-protocol.ts). */
  netPort: MessagePort;
  /** False: the interpreter starts but boot.py/main.py are not run (host API tests). */
  runBootFiles: boolean;
  powerCut?: PowerCutPlan;
  /** SOCK_HEADER_BYTES + SOCK_DATA_BYTES: the channel of the socket module (see SockRequest). */
  sockChannel: SharedArrayBuffer;
}

/** Cut the power during a write: after `afterWrites` matching writes, keep only `keepBytes`. */
export interface PowerCutPlan {
  target: 'file' | 'flash';
  pathIncludes?: string;
  afterWrites?: number;
  keepBytes: number;
}

export type HostToWorker =
  | { type: 'link'; up: boolean }
  | { type: 'crash' }
  | { type: 'hang' }
  | { type: 'power-cut'; plan: PowerCutPlan }
  | { type: 'probe'; id: number; code: string; json: boolean }
  /** The host queued a timer callback: run Python so the VM takes it (it may be idle). */
  | { type: 'sched-run' };

export type WorkerToHost =
  | { type: 'serial'; text: string }
  | { type: 'pin'; pin: number; value: number }
  | { type: 'booted' }
  | { type: 'main-done' }
  | { type: 'probe-result'; id: number; ok: boolean; value: string }
  | SockRequest
  /** The interpreter's shared memory and where a Ctrl-C goes, or why the host cannot send one. */
  | { type: 'kbd'; memory: SharedArrayBuffer; words: KbdWords }
  | { type: 'kbd'; error: string }
  /** Where the scheduler queue is, or why the host cannot fire timers. */
  | { type: 'sched'; words: SchedWords }
  | { type: 'sched'; error: string }
  /** machine.Timer `id` armed (ms > 0, the addresses are in its control slots) or stopped (ms 0). */
  | { type: 'timer'; id: number; ms: number; periodic: boolean };
