// The rollout part of the console contract (docs/rollouts.md): list, inspect, start, pause,
// resume, abort and retry staged firmware rollouts from the UI, and the event that follows them.
// The state is the one the CLI keeps (common/rollout-state.ts) under the shared data dir, so a
// rollout started in the UI shows in `mqboard rollout status` and the other way round. Pure TS.
import { MAX_TAGS, TAG, TAG_RULE } from './board-tags.js';
import { s } from './schema.js';
import type { Infer, Schema } from './schema.js';

const RolloutId = s.string({ min: 1, max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternHint: 'a rollout id (see `mqboard rollout status --all`)' });
const ProfileRef = s.string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_.-]+$/, patternHint: 'a profile id (letters, digits, ".", "-", "_")' });
const Seconds = s.number({ min: 0, max: 86_400 });
/** A prefix pattern as `mqboard rollout start -p` takes it: `*` and `?` within one topic level. */
const Pattern = s.string({ min: 1, max: 200, pattern: /^[^#+\0]+$/, patternHint: 'a board prefix or a pattern such as sim/* (no MQTT wildcards)' });
/** A board tag (docs/firmware.md, *Tags*): the rollout takes boards that have all of its tags. */
const Tag = s.string({ min: 1, max: 24, pattern: TAG, patternHint: `a tag: ${TAG_RULE}` });
/** A path inside a file set's folder: names of letters, digits, `_`, `-`, `.` (none hidden), `/` between them. */
const SetPath = s.string({ min: 1, max: 300, pattern: /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$/, patternHint: 'a relative path of plain names (letters, digits, "_", "-", "."; no "..", no hidden files)' });
/** The whole file set of a rollout (its folder, as the UI picked it) is at most this large. */
export const MAX_FILE_SET_BYTES = 8 * 1024 * 1024;
export const MAX_FILE_SET_FILES = 500;
/**
 * A file set (an app version) sent by the UI: the files of a folder with their relative paths,
 * and which of them is the sync spec (docs/transfers.md, *sync*); the spec's source paths start at its folder.
 */
export const FileSetInput = s.object({
  spec: SetPath,
  files: s.array(s.object({ path: SetPath, data: s.bytes({ max: MAX_FILE_SET_BYTES }) }), { min: 1, max: MAX_FILE_SET_FILES }),
});

export const BOARD_PHASES = ['pending', 'updating', 'verifying', 'healthy', 'failed', 'rolled-back', 'skipped'] as const;
export const ROLLOUT_STATUSES = ['running', 'paused', 'done', 'failed', 'aborted'] as const;

export const RolloutBoardView = s.object({
  prefix: s.string({ min: 1, max: 200 }),
  phase: s.enum(BOARD_PHASES),
  reason: s.optional(s.string({ max: 2_000 })),
  fromFw: s.optional(s.string({ max: 500 })),
  fw: s.optional(s.string({ max: 500 })),
  /** ms since the epoch of the board's last change. */
  at: s.optional(s.number()),
});

const summaryFields = {
  id: RolloutId,
  createdAt: s.number(),
  updatedAt: s.number(),
  status: s.enum(ROLLOUT_STATUSES),
  reason: s.optional(s.string({ max: 20_000 })),
  kind: s.enum(['firmware', 'files']),
  /** What goes out, for people: the image's version and file, or the spec's path. */
  what: s.string({ max: 5_000 }),
  version: s.optional(s.string({ max: 100 })),
  size: s.optional(s.number()),
  patterns: s.array(s.string({ max: 200 }), { max: 100 }),
  /** Board tags the boards were chosen by (with the patterns), if any. */
  tags: s.optional(s.array(s.string({ max: 24 }), { max: MAX_TAGS })),
  /** As `--waves` takes them: `1,10%,100%`. */
  waveSizes: s.string({ max: 500 }),
  gate: s.object({ onlineWithinS: s.number(), confirmWithinS: s.number(), stableS: s.number() }),
  threshold: s.object({ maxBoards: s.number(), maxPercent: s.number() }),
  concurrency: s.number(),
  boards: s.number(),
  /** here: this console runs it; other: another process (a CLI) does; none: nobody (paused, finished, or its process died). */
  runner: s.enum(['here', 'other', 'none']),
  /** The broker profile this console runs it on (runner "here"). */
  profileId: s.optional(ProfileRef),
  /** Battery boards asleep are waited for, each wait at most this long (s); absent: skipped. */
  wakeWaitS: s.optional(s.number()),
};

export const RolloutSummary = s.object(summaryFields);
/** A rollout with its waves, each wave the boards it holds in order. */
export const RolloutView = s.object({ ...summaryFields, waves: s.array(s.array(RolloutBoardView, { max: 10_000 }), { max: 1_000 }) });

/** The requests and events; `fileRef` is contract.ts's FileRef (passed in: an import back would be a cycle). */
export function rolloutContract<T>(fileRef: Schema<T>) {
  const byId = s.object({ id: RolloutId });
  const runOn = s.object({ id: RolloutId, profileId: ProfileRef });
  const none = s.object({});
  return {
    requests: {
      /** Every rollout in the data dir, oldest first (the CLI's too). */
      'rollouts.list': { params: none, result: s.array(RolloutSummary, { max: 1_000 }) },
      'rollouts.get': { params: byId, result: RolloutView },
      /**
       * Creates a rollout of a firmware image or of a file set (exactly one of them) and runs it in
       * the background (`rollouts.changed` follows it). Unset settings take the CLI's defaults
       * (waves 1,10%,100%, threshold 0, gate 120/600/120 s, concurrency 4). The image or the file
       * set is kept in the data dir, so a resume (also by the CLI) finds it as it was.
       */
      'rollouts.start': {
        params: s.object({
          profileId: ProfileRef,
          image: s.optional(fileRef),
          fileSet: s.optional(FileSetInput),
          /** Prefix patterns; [] with tags: any prefix. Patterns, tags or both. */
          patterns: s.array(Pattern, { max: 32 }),
          tags: s.optional(s.array(Tag, { max: MAX_TAGS })),
          waves: s.optional(s.string({ min: 1, max: 200 })),
          threshold: s.optional(s.string({ min: 1, max: 50 })),
          onlineWithinS: s.optional(Seconds),
          confirmWithinS: s.optional(Seconds),
          stableS: s.optional(Seconds),
          concurrency: s.optional(s.number({ min: 1, max: 64, integer: true })),
          /** Wait for battery boards that are asleep, each wait at most this long (as `--wait-wake`); unset: skip them. */
          wakeWaitS: s.optional(s.number({ min: 1, max: 86_400 })),
        }),
        result: s.object({ id: RolloutId }),
        timeoutMs: 60_000,
      },
      /** Stops starting boards; boards in flight are stopped and redone on resume. */
      'rollouts.pause': { params: byId, result: none },
      /** Continues a paused (or interrupted) rollout on this console, on the given broker profile. */
      'rollouts.resume': { params: runOn, result: none },
      'rollouts.abort': { params: byId, result: none },
      /** Sets the failed, rolled-back and skipped boards back to pending and continues. */
      'rollouts.retryFailed': { params: runOn, result: none },
    },
    events: {
      /** A rollout changed (a board's phase, the status); at most 10 a second per rollout. */
      'rollouts.changed': s.object({ rollout: RolloutView }),
      /** A board's upload in a rollout (its OTA phase and bytes), at most 10 a second per board; phase changes at once. */
      'rollouts.upload': s.object({ id: RolloutId, prefix: s.string({ min: 1, max: 200 }), phase: s.string({ min: 1, max: 20 }), sent: s.number(), total: s.number(), rate: s.number() }),
    },
  };
}

export type RolloutBoardView = Infer<typeof RolloutBoardView>;
export type RolloutSummary = Infer<typeof RolloutSummary>;
export type RolloutView = Infer<typeof RolloutView>;
export type FileSetInput = Infer<typeof FileSetInput>;
