// Each board's file tree (directories listed lazily when expanded), the transfers in flight, and
// the text editor. Keyed by board, so switching boards keeps what was already listed.
import { create } from 'zustand';
import type { StateCreator } from 'zustand';
import type { FileEntry, TransferPhase } from '../../src-main/common/contract.js';
import type { BoardKey } from '../lib/board-key.js';

export interface DirState {
  entries?: FileEntry[];
  loading: boolean;
  error?: string;
}

export interface Transfer {
  /** The UI's own id (main's transferId comes once the transfer is accepted). */
  id: number;
  transferId?: string;
  kind: 'upload' | 'download';
  path: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** Where a running transfer is (main's phase; 'starting' until main reports). */
  phase: TransferPhase;
  /** Bytes moved so far, of `total` (0 while a download's size is not known yet). */
  sent: number;
  total: number;
  /** Bytes per second, and seconds left (null while unknown). */
  rate: number;
  eta: number | null;
  /** Cancel was asked for and has not taken effect yet. */
  cancelling?: boolean;
  error?: string;
  started: number;
  ended?: number;
}

export interface EditorState {
  path: string;
  text: string;
  original: string;
  loading: boolean;
  saving: boolean;
  error?: string;
  savedAt?: number;
}

export interface BoardFiles {
  dirs: Record<string, DirState | undefined>;
  expanded: Record<string, boolean | undefined>;
  selected: string | null;
  transfers: Transfer[];
  editor: EditorState | null;
  /** The last failed tree operation (mkdir, rename, delete), shown above the tree. */
  opError: string | null;
  /** The tree operation running now ("Deleting /a.py…"). */
  opBusy: string | null;
}

const emptyBoard = (): BoardFiles => ({ dirs: {}, expanded: { '/': true }, selected: null, transfers: [], editor: null, opError: null, opBusy: null });

interface TreeSlice {
  boards: Record<BoardKey, BoardFiles | undefined>;
  setDir(key: BoardKey, path: string, d: DirState): void;
  toggleExpanded(key: BoardKey, path: string, expanded?: boolean): void;
  selectPath(key: BoardKey, path: string | null): void;
  setOp(key: BoardKey, busy: string | null, error?: string | null): void;
}

interface TransferSlice {
  addTransfer(key: BoardKey, t: Transfer): void;
  updateTransfer(key: BoardKey, id: number, patch: Partial<Transfer>): void;
  clearFinishedTransfers(key: BoardKey): void;
}

interface EditorSlice {
  setEditor(key: BoardKey, e: EditorState | null): void;
  patchEditor(key: BoardKey, patch: Partial<EditorState>): void;
}

export type FilesState = TreeSlice & TransferSlice & EditorSlice;

type Set = (fn: (s: FilesState) => Partial<FilesState>) => void;
const patchBoard = (set: Set, key: BoardKey, fn: (b: BoardFiles) => Partial<BoardFiles>) =>
  set((s) => {
    const b = s.boards[key] ?? emptyBoard();
    return { boards: { ...s.boards, [key]: { ...b, ...fn(b) } } };
  });

const treeSlice: StateCreator<FilesState, [], [], TreeSlice> = (set) => ({
  boards: {},
  setDir: (key, path, d) => patchBoard(set, key, (b) => ({ dirs: { ...b.dirs, [path]: d } })),
  toggleExpanded: (key, path, expanded) => patchBoard(set, key, (b) => ({ expanded: { ...b.expanded, [path]: expanded ?? !b.expanded[path] } })),
  selectPath: (key, selected) => patchBoard(set, key, () => ({ selected })),
  setOp: (key, opBusy, opError) => patchBoard(set, key, (b) => ({ opBusy, opError: opError === undefined ? b.opError : opError })),
});

const transferSlice: StateCreator<FilesState, [], [], TransferSlice> = (set) => ({
  addTransfer: (key, t) => patchBoard(set, key, (b) => ({ transfers: [...b.transfers, t] })),
  updateTransfer: (key, id, patch) => patchBoard(set, key, (b) => ({ transfers: b.transfers.map((t) => (t.id === id ? { ...t, ...patch } : t)) })),
  clearFinishedTransfers: (key) => patchBoard(set, key, (b) => ({ transfers: b.transfers.filter((t) => t.state === 'running') })),
});

const editorSlice: StateCreator<FilesState, [], [], EditorSlice> = (set) => ({
  setEditor: (key, editor) => patchBoard(set, key, () => ({ editor })),
  patchEditor: (key, patch) => patchBoard(set, key, (b) => ({ editor: b.editor ? { ...b.editor, ...patch } : null })),
});

export const useFiles = create<FilesState>()((...a) => ({ ...treeSlice(...a), ...transferSlice(...a), ...editorSlice(...a) }));

export const boardFiles = (s: FilesState, key: BoardKey): BoardFiles => s.boards[key] ?? EMPTY;
const EMPTY = emptyBoard();
