// The typed contract between the console UI (renderer) and the side that does the work (Electron
// main, or the web mode's server): every request with its params, result and timeout, and every
// event main pushes. Both transports (IPC, WebSocket) carry exactly these messages; main and the
// web server validate every incoming message against these schemas before anything runs, the
// renderer validates events. Pure TypeScript (no Node, Electron or DOM).
import { BOARD_STATES } from './board-state.js';
import { rolloutContract } from './contract-rollouts.js';
import { validatePrefix } from './protocol.js';
import { s } from './schema.js';
import type { Infer, Schema } from './schema.js';

// ---- Shared shapes -------------------------------------------------------------------------

const id = (what: string) => s.string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_.-]+$/, patternHint: `a ${what} (letters, digits, ".", "-", "_")` });
export const ProfileId = id('profile id');
export const BoardPrefix = s.string({ min: 1, max: 200, refine: validatePrefix });
/** A path on the board's flash: absolute, no NUL, bounded. */
export const BoardPath = s.string({ min: 1, max: 255, pattern: /^\/[^\0]*$/, patternHint: 'an absolute path on the board ("/lib/x.py")' });
const Target = { profileId: ProfileId, prefix: BoardPrefix };

export const ProfileState = s.enum(['connecting', 'online', 'reconnecting', 'offline', 'error']);

/** A broker profile as the UI sees it: never the password, only whether one is stored. */
export const ProfileView = s.object({
  id: ProfileId,
  name: s.string({ min: 1, max: 100 }),
  url: s.string({ min: 1, max: 500 }),
  username: s.optional(s.string({ max: 200 })),
  hasPassword: s.boolean(),
  ca: s.optional(s.string({ max: 16_384 })),
  cert: s.optional(s.string({ max: 1_000 })),
  key: s.optional(s.string({ max: 1_000 })),
  insecure: s.boolean(),
  clientId: s.optional(s.string({ max: 200 })),
  discovery: s.array(s.string({ min: 1, max: 200 }), { max: 32 }),
  /** The embedded demo broker: cannot be edited or removed. */
  builtin: s.boolean(),
  state: ProfileState,
  error: s.optional(s.string({ max: 2_000 })),
});

/** What `profiles.save` takes: no id = a new profile; no password = keep the stored one, '' = forget it. */
export const ProfileInput = s.object({
  id: s.optional(ProfileId),
  name: s.string({ min: 1, max: 100 }),
  url: s.string({ min: 1, max: 500, pattern: /^(mqtts?|wss?):\/\/[^\s]+$/, patternHint: 'a broker URL (mqtt://, mqtts://, ws:// or wss://host:port)' }),
  username: s.optional(s.string({ max: 200 })),
  password: s.optional(s.string({ max: 1_000 })),
  ca: s.optional(s.string({ max: 16_384 })),
  cert: s.optional(s.string({ max: 1_000 })),
  key: s.optional(s.string({ max: 1_000 })),
  insecure: s.optional(s.boolean()),
  clientId: s.optional(s.string({ max: 200 })),
  discovery: s.optional(s.array(s.string({ min: 1, max: 200 }), { max: 32 })),
});

/** One board on the dashboard (from its retained status, plus what the console observed). */
export const BoardView = s.object({
  prefix: s.string({ min: 1, max: 200 }),
  online: s.boolean(),
  /** When the console last heard from the board (ms since the epoch). */
  lastSeen: s.number(),
  fw: s.string({ max: 100 }),
  project: s.string({ max: 100 }),
  partition: s.string({ max: 50 }),
  pendingVerify: s.boolean(),
  safeMode: s.boolean(),
  safeReason: s.string({ max: 1_000 }),
  resetCause: s.string({ max: 100 }),
  crashes: s.number(),
  uptime: s.nullable(s.number()),
  /** When `uptime` was true (ms since the epoch, main's clock): an online board's uptime advances from it. */
  uptimeAt: s.optional(s.number()),
  memFree: s.nullable(s.number()),
  ip: s.nullable(s.string({ max: 100 })),
  rssi: s.nullable(s.number()),
  proto: s.number(),
  caps: s.array(s.string({ max: 50 }), { max: 100 }),
  /** The board's apps: name → version, or "failed: <why>" for one that did not start. */
  modules: s.record(s.string({ max: 500 }), { key: s.string({ min: 1, max: 100 }), max: 100 }),
  /** The last status could not be parsed: what was wrong (the previous values are kept). */
  malformed: s.optional(s.string({ max: 1_000 })),
  /** The board runs the original MQBoard firmware (protocol 1) and publishes no status: only prefix, lastSeen, proto and caps are known. */
  original: s.optional(s.boolean()),
  /** Something the operator should know: e.g. another board's prefix is nested in this one's. */
  warning: s.optional(s.string({ max: 1_000 })),
  /** online, asleep (a battery board between wakes), overdue (its wake is late) or offline: common/board-state.ts. */
  state: s.enum(BOARD_STATES),
  /** Asleep or overdue: when it is expected to wake (ms since the epoch, main's clock). */
  wakeAt: s.optional(s.number()),
  /** A battery board's duty cycle (seconds). */
  sleep: s.optional(s.object({ period: s.number(), awake: s.number() })),
  /** The board's tags (common/board-tags.ts); absent when it has none. */
  tags: s.optional(s.array(s.string({ min: 1, max: 24 }), { max: 8 })),
});

export const FileEntry = s.object({
  /** Path relative to the listed directory ("lib/x.py" when recursive). */
  name: s.string({ min: 1, max: 255 }),
  type: s.enum(['file', 'dir']),
  size: s.number(),
  mtime: s.nullable(s.number()),
  sha256: s.optional(s.string({ max: 64 })),
});

export const CrashRecord = s.object({
  t: s.nullable(s.number()),
  boot: s.nullable(s.number()),
  where: s.string({ max: 1_000 }),
  error: s.string({ max: 10_000 }),
  trace: s.string({ max: 100_000 }),
});

export const LogLine = s.object({
  /** Receive time (ms since the epoch). */
  t: s.number(),
  level: s.enum(['C', 'E', 'W', 'I', 'D', '?']),
  /** The board's time text (ms since boot or HH:MM:SS.mmm). */
  time: s.string({ max: 50 }),
  logger: s.string({ max: 100 }),
  text: s.string({ max: 100_000 }),
});

/**
 * The largest file that can be uploaded or downloaded. In the web mode the bytes travel base64 in
 * one JSON message (4/3 of the size): the server's message limit is set above that.
 */
export const MAX_TRANSFER_BYTES = 16 * 1024 * 1024;

/** A local file: bytes from the browser, or a path (Electron only: from a drop or the native dialog). */
export const FileRef = s.union('kind', {
  bytes: s.object({ kind: s.literal('bytes'), name: s.string({ min: 1, max: 255 }), data: s.bytes({ max: MAX_TRANSFER_BYTES }) }),
  path: s.object({ kind: s.literal('path'), path: s.string({ min: 1, max: 4_096 }) }),
});

export const OtaPhase = s.enum(['queued', 'checking', 'resuming', 'sending', 'verifying', 'done', 'failed', 'cancelled']);

const TransferId = id('transfer id');
/** starting: finding the board (and the file's size, for a download); queued: the board is asleep, the transfer waits for its wake; verifying: all bytes are out, the board checks the SHA-256. */
export const TransferPhase = s.enum(['starting', 'queued', 'transferring', 'verifying', 'done', 'failed', 'cancelled']);
const none = s.object({});

/** What may wait for a sleeping board's wake (the wake queue): its result comes as `queue.result`. */
export const WakeCommand = s.union('kind', {
  eval: s.object({ kind: s.literal('eval'), source: s.string({ min: 1, max: 65_536 }) }),
  reset: s.object({ kind: s.literal('reset'), mode: s.enum(['normal', 'safe', 'soft', 'hard']) }),
  crashlogClear: s.object({ kind: s.literal('crashlogClear') }),
});

/** A command waiting for a board's wake. */
export const QueuedCommand = s.object({
  id: id('queue id'),
  label: s.string({ max: 300 }),
  /** When it was queued (ms since the epoch). */
  queuedAt: s.number(),
  /** The board woke: it runs now. */
  running: s.boolean(),
});

/** Boards per `fleet.snapshot` page and per `fleet.changed` list: far below the array limit. */
export const FLEET_PAGE_SIZE = 1_000;

// ---- Requests and events -------------------------------------------------------------------

export interface RequestDef {
  params: Schema<unknown>;
  result: Schema<unknown>;
  /** How long the caller waits for the answer (default DEFAULT_TIMEOUT_MS). */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

function defineContract<R extends Record<string, RequestDef>, E extends Record<string, Schema<unknown>>>(c: { requests: R; events: E }) {
  return c;
}

const rollouts = rolloutContract(FileRef);

export const contract = defineContract({
  requests: {
    ...rollouts.requests,
    'app.info': { params: none, result: s.object({ mode: s.enum(['electron', 'web']), version: s.string({ max: 50 }), demo: s.boolean(), demoProfileId: s.optional(ProfileId) }) },
    'profiles.list': { params: none, result: s.array(ProfileView, { max: 1_000 }) },
    'profiles.save': { params: ProfileInput, result: ProfileView },
    'profiles.remove': { params: s.object({ id: ProfileId }), result: none },
    'profiles.connect': { params: s.object({ id: ProfileId }), result: none, timeoutMs: 30_000 },
    'profiles.disconnect': { params: s.object({ id: ProfileId }), result: none },
    /**
     * One page of the fleet, sorted by prefix: the boards after `after` (the last prefix of the
     * previous page), at most FLEET_PAGE_SIZE. A full page means there may be more.
     */
    'fleet.snapshot': { params: s.object({ profileId: ProfileId, after: s.optional(s.string({ min: 1, max: 200 })) }), result: s.array(BoardView, { max: FLEET_PAGE_SIZE }) },
    'board.eval': { params: s.object({ ...Target, source: s.string({ min: 1, max: 65_536 }) }), result: s.object({ output: s.string({ max: 16 * 1024 * 1024 }) }), timeoutMs: 30_000 },
    'board.ls': { params: s.object({ ...Target, path: BoardPath, recursive: s.optional(s.boolean()) }), result: s.array(FileEntry), timeoutMs: 30_000 },
    'board.mkdir': { params: s.object({ ...Target, path: BoardPath }), result: none },
    'board.rm': { params: s.object({ ...Target, path: BoardPath }), result: none },
    'board.rmdir': { params: s.object({ ...Target, path: BoardPath, recursive: s.optional(s.boolean()) }), result: none, timeoutMs: 30_000 },
    'board.mv': { params: s.object({ ...Target, from: BoardPath, to: BoardPath }), result: none },
    /** Small text files for the editor (at most 1 MB). */
    'board.readText': { params: s.object({ ...Target, path: BoardPath }), result: s.object({ text: s.string({ max: 1024 * 1024 }), sha256: s.string({ max: 64 }) }), timeoutMs: 60_000 },
    /** Atomic put, verified with its SHA-256. */
    'board.writeText': { params: s.object({ ...Target, path: BoardPath, text: s.string({ max: 1024 * 1024 }) }), result: s.object({ size: s.number(), sha256: s.string({ max: 64 }) }), timeoutMs: 60_000 },
    /**
     * Transfers run in the background, like OTA jobs: these answer as soon as the transfer is
     * accepted (the board found, the file read), with its id; `transfer.progress` follows it to
     * `done` (a download's bytes are then fetched with `transfer.take`), `transfer.cancel` stops it.
     * No deadline applies to the transfer itself, only to the board going silent.
     */
    'board.download': { params: s.object({ ...Target, path: BoardPath }), result: s.object({ transferId: TransferId }) },
    'board.upload': { params: s.object({ ...Target, path: BoardPath, file: FileRef }), result: s.object({ transferId: TransferId, total: s.number() }), timeoutMs: 60_000 },
    /** The bytes of a finished download (once; only the client that started it). */
    'transfer.take': { params: s.object({ transferId: TransferId }), result: s.object({ name: s.string({ max: 255 }), data: s.bytes({ max: MAX_TRANSFER_BYTES }), sha256: s.string({ max: 64 }) }), timeoutMs: 60_000 },
    /** Stops a running upload or download: an upload leaves the board's old file as it was. */
    'transfer.cancel': { params: s.object({ transferId: TransferId }), result: none },
    'board.reset': { params: s.object({ ...Target, mode: s.enum(['normal', 'safe', 'soft', 'hard']) }), result: none },
    /**
     * Asks a battery board to stay awake for `seconds` (0 releases): now when it is online, at its
     * next wake when it is asleep (then `queueId` is set and `queue.result` follows).
     */
    'board.stayAwake': { params: s.object({ ...Target, seconds: s.number({ min: 0, max: 3_600 }) }), result: s.object({ queueId: s.optional(id('queue id')) }) },
    /** Queues a command for the board's next wake (runs at once on an online board); the outcome comes as `queue.result`. */
    'queue.add': { params: s.object({ ...Target, command: WakeCommand }), result: s.object({ queueId: id('queue id') }) },
    /** Cancels a queued command that has not started (only the client that queued it). */
    'queue.cancel': { params: s.object({ queueId: id('queue id') }), result: none },
    /** What waits for the wakes of the profile's boards. */
    'queue.list': { params: s.object({ profileId: ProfileId }), result: s.array(s.object({ prefix: s.string({ max: 200 }), commands: s.array(QueuedCommand, { max: 1_000 }) }), { max: FLEET_PAGE_SIZE }) },
    'board.crashlog': { params: s.object({ ...Target, clear: s.optional(s.boolean()) }), result: s.array(CrashRecord, { max: 1_000 }) },
    /** The session's first prompt follows as a `tty.output` event, after this reply. */
    'tty.open': { params: s.object(Target), result: s.object({ sessionId: id('session id') }) },
    'tty.input': { params: s.object({ sessionId: id('session id'), text: s.string({ max: 65_536 }) }), result: none },
    'tty.interrupt': { params: s.object({ sessionId: id('session id') }), result: none },
    'tty.complete': { params: s.object({ sessionId: id('session id'), line: s.string({ max: 4_096 }) }), result: s.object({ prefix: s.string({ max: 4_096 }), matches: s.array(s.string({ max: 4_096 }), { max: 1_000 }) }) },
    'tty.close': { params: s.object({ sessionId: id('session id') }), result: none },
    /** Starts pushing `logs.lines` for the board; answers with the backlog kept so far. */
    'logs.subscribe': { params: s.object(Target), result: s.array(LogLine, { max: 100_000 }) },
    'logs.unsubscribe': { params: s.object(Target), result: none },
    'logs.export': { params: s.object(Target), result: s.object({ text: s.string({ max: 64 * 1024 * 1024 }) }) },
    'ota.inspect': { params: s.object({ image: FileRef }), result: s.object({ name: s.string({ max: 255 }), project: s.string({ max: 100 }), version: s.string({ max: 100 }), size: s.number(), sha256: s.string({ max: 64 }), error: s.optional(s.string({ max: 2_000 })) }), timeoutMs: 60_000 },
    'ota.start': { params: s.object({ image: FileRef, targets: s.array(s.object(Target), { min: 1, max: 1_000 }), reset: s.boolean() }), result: s.object({ jobId: id('job id') }), timeoutMs: 60_000 },
    'ota.cancel': { params: s.object({ jobId: id('job id') }), result: none },
    /** Marks the running (pending-verify) image good: no rollback at the next reset. */
    'ota.confirm': { params: s.object(Target), result: none },
    /** Goes back to the previous image (the board resets). */
    'ota.rollback': { params: s.object(Target), result: none },
    /** Electron only (the web mode answers NOT_AVAILABLE: the UI uses <input type=file>). Waits for the user. */
    'dialog.openFile': { params: s.object({ title: s.optional(s.string({ max: 200 })), extensions: s.optional(s.array(s.string({ min: 1, max: 20 }), { max: 20 })) }), result: s.object({ path: s.nullable(s.string({ max: 4_096 })) }), timeoutMs: 3_600_000 },
  },
  events: {
    ...rollouts.events,
    'profiles.state': s.object({ id: ProfileId, state: ProfileState, error: s.optional(s.string({ max: 2_000 })) }),
    /** Batched (at most 10 a second), at most FLEET_PAGE_SIZE boards in each list (a larger batch is split). */
    'fleet.changed': s.object({ profileId: ProfileId, upserts: s.array(BoardView, { max: FLEET_PAGE_SIZE }), removed: s.array(s.string({ max: 200 }), { max: FLEET_PAGE_SIZE }) }),
    'tty.output': s.object({ sessionId: id('session id'), kind: s.enum(['out', 'prompt', 'end']), text: s.string({ max: 1024 * 1024 }) }),
    /** Batched. */
    'logs.lines': s.object({ ...Target, lines: s.array(LogLine) }),
    /** At most 10 a second per transfer; phase changes always go out. `sha256` comes with `done`. */
    'transfer.progress': s.object({
      transferId: TransferId,
      prefix: s.string({ max: 200 }),
      path: s.string({ max: 255 }),
      direction: s.enum(['upload', 'download']),
      phase: TransferPhase,
      sent: s.number(),
      total: s.number(),
      rate: s.number(),
      eta: s.nullable(s.number()),
      error: s.optional(s.string({ max: 2_000 })),
      sha256: s.optional(s.string({ max: 64 })),
    }),
    /** The commands waiting for one board's wake changed (queued, started, finished, cancelled). */
    'queue.changed': s.object({ ...Target, commands: s.array(QueuedCommand, { max: 1_000 }) }),
    /** A queued command ended: its output (eval), or why it failed or was cancelled. */
    'queue.result': s.object({ ...Target, queueId: id('queue id'), label: s.string({ max: 300 }), ok: s.boolean(), output: s.optional(s.string({ max: 1024 * 1024 })), error: s.optional(s.string({ max: 2_000 })), cancelled: s.optional(s.boolean()) }),
    'ota.progress': s.object({ jobId: id('job id'), prefix: s.string({ max: 200 }), phase: OtaPhase, sent: s.number(), total: s.number(), rate: s.number(), eta: s.nullable(s.number()), error: s.optional(s.string({ max: 2_000 })) }),
  },
});

export type Requests = (typeof contract)['requests'];
export type Events = (typeof contract)['events'];
export type RequestName = keyof Requests & string;
export type EventName = keyof Events & string;
export type ParamsOf<K extends RequestName> = Infer<Requests[K]['params']>;
export type ResultOf<K extends RequestName> = Infer<Requests[K]['result']>;
export type EventOf<E extends EventName> = Infer<Events[E]>;

export type ProfileView = Infer<typeof ProfileView>;
export type ProfileInput = Infer<typeof ProfileInput>;
export type BoardView = Infer<typeof BoardView>;
export type FileEntry = Infer<typeof FileEntry>;
export type CrashRecord = Infer<typeof CrashRecord>;
export type LogLine = Infer<typeof LogLine>;
export type FileRef = Infer<typeof FileRef>;
export type ProfileState = Infer<typeof ProfileState>;
export type OtaPhase = Infer<typeof OtaPhase>;
export type TransferPhase = Infer<typeof TransferPhase>;
export type WakeCommand = Infer<typeof WakeCommand>;
export type QueuedCommand = Infer<typeof QueuedCommand>;

export const REQUEST_NAMES = Object.keys(contract.requests) as RequestName[];
export const EVENT_NAMES = Object.keys(contract.events) as EventName[];

export const isRequestName = (op: unknown): op is RequestName => typeof op === 'string' && Object.prototype.hasOwnProperty.call(contract.requests, op);
export const isEventName = (e: unknown): e is EventName => typeof e === 'string' && Object.prototype.hasOwnProperty.call(contract.events, e);
export const timeoutOf = (op: RequestName): number => (contract.requests[op] as RequestDef).timeoutMs ?? DEFAULT_TIMEOUT_MS;
export const paramsSchema = (op: RequestName): Schema<unknown> => (contract.requests[op] as RequestDef).params;
export const resultSchema = (op: RequestName): Schema<unknown> => (contract.requests[op] as RequestDef).result;
export const eventSchema = (event: EventName): Schema<unknown> => contract.events[event] as Schema<unknown>;

export * from './contract-api.js';
export * from './contract-rollouts.js';
