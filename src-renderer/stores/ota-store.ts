// Firmware updates: the image staged for upload (with what ota.inspect found in it), the jobs
// started, each board's progress, and the confirm / roll back step after the reset.
import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type { EventOf, FileRef } from '../../src-main/common/contract.js';
import type { BoardKey } from '../lib/board-key.js';

export interface ImageInfo {
  name: string;
  project: string;
  version: string;
  size: number;
  sha256: string;
  error?: string;
}

export interface StagedImage {
  ref: FileRef;
  /** The file name, for display. */
  name: string;
  targets: BoardKey[];
  inspecting: boolean;
  info?: ImageInfo;
  /** The inspect request itself failed (not a bad image: that is info.error). */
  error?: string;
  reset: boolean;
  starting: boolean;
  startError?: string;
}

export type OtaProgress = Omit<EventOf<'ota.progress'>, 'jobId' | 'prefix'>;

export interface OtaJob {
  jobId: string;
  image: ImageInfo;
  reset: boolean;
  targets: BoardKey[];
  progress: Record<BoardKey, OtaProgress | undefined>;
  started: number;
  cancelling: boolean;
  cancelError?: string;
}

export interface VerifyState {
  busy?: 'confirm' | 'rollback';
  error?: string;
  done?: 'confirmed' | 'rolled back';
}

interface StageSlice {
  staged: StagedImage | null;
  stage(s: StagedImage | null): void;
  patchStaged(patch: Partial<StagedImage>): void;
}

interface JobsSlice {
  jobs: Record<string, OtaJob | undefined>;
  jobOrder: string[];
  addJob(job: OtaJob): void;
  setProgress(jobId: string, key: BoardKey, p: OtaProgress): void;
  patchJob(jobId: string, patch: Partial<OtaJob>): void;
  dismissJob(jobId: string): void;
}

interface VerifySlice {
  verify: Record<BoardKey, VerifyState | undefined>;
  setVerify(key: BoardKey, v: VerifyState | undefined): void;
}

export type OtaState = StageSlice & JobsSlice & VerifySlice;

const stageSlice: StateCreator<OtaState, [], [], StageSlice> = (set) => ({
  staged: null,
  stage: (staged) => set({ staged }),
  patchStaged: (patch) => set((s) => (s.staged ? { staged: { ...s.staged, ...patch } } : {})),
});

const jobsSlice: StateCreator<OtaState, [], [], JobsSlice> = (set) => ({
  jobs: {},
  jobOrder: [],
  addJob: (job) => set((s) => ({ jobs: { ...s.jobs, [job.jobId]: job }, jobOrder: [job.jobId, ...s.jobOrder] })),
  setProgress: (jobId, key, p) =>
    set((s) => {
      const job = s.jobs[jobId];
      return job ? { jobs: { ...s.jobs, [jobId]: { ...job, progress: { ...job.progress, [key]: p } } } } : {};
    }),
  patchJob: (jobId, patch) =>
    set((s) => {
      const job = s.jobs[jobId];
      return job ? { jobs: { ...s.jobs, [jobId]: { ...job, ...patch } } } : {};
    }),
  dismissJob: (jobId) =>
    set((s) => {
      const jobs = { ...s.jobs };
      delete jobs[jobId];
      return { jobs, jobOrder: s.jobOrder.filter((j) => j !== jobId) };
    }),
});

const verifySlice: StateCreator<OtaState, [], [], VerifySlice> = (set) => ({
  verify: {},
  setVerify: (key, v) => set((s) => ({ verify: { ...s.verify, [key]: v } })),
});

export const useOta = create<OtaState>()((...a) => ({ ...stageSlice(...a), ...jobsSlice(...a), ...verifySlice(...a) }));

export const FINISHED_PHASES: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);

/** A job is over when every target reached a final phase. */
export const jobFinished = (job: OtaJob): boolean => job.targets.every((k) => FINISHED_PHASES.has(job.progress[k]?.phase ?? ''));
