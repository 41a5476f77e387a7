// Fleet rollouts (docs/rollouts.md): the start form (image or file set, targets, waves, gate), the rollouts
// kept in the data dir (the CLI's too), the one shown in detail with its waves and boards, and
// the state of the Pause / Resume / Abort / Retry buttons. Side effects live in services/rollouts.ts.
import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type { EventOf, FileRef, FileSetInput, RolloutSummary, RolloutView } from '../../src-main/common/contract.js';

export type UploadProgress = Omit<EventOf<'rollouts.upload'>, 'id' | 'prefix'>;
/** The key of a board's upload in a rollout. */
export const uploadKey = (id: string, prefix: string): string => `${id}\n${prefix}`;

/** An app folder picked for a file-set rollout (lib/file-set.ts chose its files). */
export interface DraftFileSet {
  folder: string;
  files: FileSetInput['files'];
  bytes: number;
  /** The sync specs in it; `spec` is the one used. */
  specs: string[];
  spec: string;
}

export interface RolloutDraft {
  /** What goes out: a firmware image, or an app's files by a sync spec. */
  what: 'firmware' | 'files';
  /** The image picked or dropped (undefined: none yet). */
  image?: { ref: FileRef; name: string };
  fileSet?: DraftFileSet;
  /** Prefix patterns, separated by spaces or commas (`sim/*`). */
  patterns: string;
  /** Board tags, separated by spaces or commas: only boards with all of them. */
  tags: string;
  /** As `--waves` takes them. */
  waves: string;
  threshold: string;
  onlineWithinS: string;
  confirmWithinS: string;
  stableS: string;
  concurrency: string;
  /** Seconds to wait for a battery board found asleep (each wait); empty: skip such boards. */
  wakeWaitS: string;
  starting: boolean;
  error?: string;
}

/** The CLI's defaults (rollout-plan.ts DEFAULT_*), as the form shows them. */
export const EMPTY_DRAFT: RolloutDraft = { what: 'firmware', patterns: '', tags: '', waves: '1,10%,100%', threshold: '0', onlineWithinS: '120', confirmWithinS: '600', stableS: '120', concurrency: '4', wakeWaitS: '', starting: false };

interface DraftSlice {
  draft: RolloutDraft;
  patchDraft(patch: Partial<RolloutDraft>): void;
  resetDraft(): void;
}

interface ListSlice {
  summaries: Record<string, RolloutSummary | undefined>;
  /** Newest first. */
  order: string[];
  loading: boolean;
  listError?: string;
  setList(list: readonly RolloutSummary[]): void;
  setListState(loading: boolean, error?: string): void;
}

export type RolloutAction = 'pause' | 'resume' | 'abort' | 'retry';

interface DetailSlice {
  selected: string | null;
  views: Record<string, RolloutView | undefined>;
  busy: Record<string, RolloutAction | undefined>;
  actionError: Record<string, string | undefined>;
  /** Uploads of boards in flight, by uploadKey. */
  uploads: Record<string, UploadProgress | undefined>;
  setUpload(id: string, prefix: string, p: UploadProgress): void;
  select(id: string | null): void;
  /** A full view (get, or an event): also updates its summary, and adds it to the list if new. */
  putView(view: RolloutView): void;
  setBusy(id: string, action: RolloutAction | undefined, error?: string): void;
}

export type RolloutsState = DraftSlice & ListSlice & DetailSlice;

const draftSlice: StateCreator<RolloutsState, [], [], DraftSlice> = (set) => ({
  draft: EMPTY_DRAFT,
  patchDraft: (patch) => set((s) => ({ draft: { ...s.draft, ...patch } })),
  resetDraft: () => set({ draft: EMPTY_DRAFT }),
});

const newestFirst = (all: Record<string, RolloutSummary | undefined>) =>
  Object.values(all).filter((r): r is RolloutSummary => !!r).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id)).map((r) => r.id);

const listSlice: StateCreator<RolloutsState, [], [], ListSlice> = (set) => ({
  summaries: {},
  order: [],
  loading: false,
  setList: (list) =>
    set(() => {
      const summaries = Object.fromEntries(list.map((r) => [r.id, r]));
      return { summaries, order: newestFirst(summaries), loading: false, listError: undefined };
    }),
  setListState: (loading, listError) => set({ loading, listError }),
});

const detailSlice: StateCreator<RolloutsState, [], [], DetailSlice> = (set) => ({
  selected: null,
  views: {},
  busy: {},
  actionError: {},
  uploads: {},
  setUpload: (id, prefix, p) => set((s) => ({ uploads: { ...s.uploads, [uploadKey(id, prefix)]: p } })),
  select: (selected) => set({ selected }),
  putView: (view) =>
    set((s) => {
      const { waves: _w, ...summary } = view;
      const old = s.views[view.id];
      // Events can overtake an answer: never go back to an older state.
      if (old && old.updatedAt > view.updatedAt) return {};
      const summaries = { ...s.summaries, [view.id]: summary };
      return { views: { ...s.views, [view.id]: view }, summaries, order: s.summaries[view.id] ? s.order : newestFirst(summaries) };
    }),
  setBusy: (id, action, error) => set((s) => ({ busy: { ...s.busy, [id]: action }, actionError: { ...s.actionError, [id]: error } })),
});

export const useRollouts = create<RolloutsState>()((...a) => ({ ...draftSlice(...a), ...listSlice(...a), ...detailSlice(...a) }));
