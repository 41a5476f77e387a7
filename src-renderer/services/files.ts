// A board's files: list directories, make, rename and delete, upload (transfers.ts runs each file)
// and the text editor (save = atomic put with SHA-256 check on the board).
import { splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { baseName, checkName, joinPath, parentOf } from '../lib/paths.js';
import { boardFiles, useFiles } from '../stores/files-store.js';
import { errorText, request } from './api.js';
import { uploadData } from './transfers.js';

/** Above this, the editor saves like an upload: with progress and a Cancel button in the transfers. */
export const LARGE_TEXT_BYTES = 64 * 1024;

export async function listDir(key: BoardKey, path: string): Promise<void> {
  const { profileId, prefix } = splitBoardKey(key);
  const prev = boardFiles(useFiles.getState(), key).dirs[path];
  useFiles.getState().setDir(key, path, { loading: true, entries: prev?.entries });
  try {
    const entries = await request('board.ls', { profileId, prefix, path });
    entries.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'dir' ? -1 : 1));
    useFiles.getState().setDir(key, path, { loading: false, entries });
  } catch (e) {
    useFiles.getState().setDir(key, path, { loading: false, entries: prev?.entries, error: errorText(e) });
  }
}

export async function toggleDir(key: BoardKey, path: string): Promise<void> {
  const files = boardFiles(useFiles.getState(), key);
  const open = !files.expanded[path];
  useFiles.getState().toggleExpanded(key, path, open);
  if (open && !files.dirs[path]?.entries) await listDir(key, path);
}

/** Re-lists every directory that is open (after the board was changed from elsewhere). */
export async function refreshTree(key: BoardKey): Promise<void> {
  const files = boardFiles(useFiles.getState(), key);
  const open = Object.keys(files.expanded).filter((p) => files.expanded[p]);
  await Promise.all(open.map((p) => listDir(key, p)));
}

async function treeOp(key: BoardKey, busy: string, run: () => Promise<void>, relist: string[]): Promise<boolean> {
  useFiles.getState().setOp(key, busy, null);
  try {
    await run();
    useFiles.getState().setOp(key, null, null);
    await Promise.all([...new Set(relist)].map((d) => listDir(key, d)));
    return true;
  } catch (e) {
    useFiles.getState().setOp(key, null, errorText(e));
    return false;
  }
}

export function makeFolder(key: BoardKey, dir: string, name: string): Promise<boolean> {
  const problem = checkName(name);
  if (problem) {
    useFiles.getState().setOp(key, null, problem);
    return Promise.resolve(false);
  }
  const { profileId, prefix } = splitBoardKey(key);
  const path = joinPath(dir, name.trim());
  return treeOp(key, `Creating ${path}…`, () => request('board.mkdir', { profileId, prefix, path }).then(() => undefined), [dir]);
}

export function renamePath(key: BoardKey, from: string, newName: string): Promise<boolean> {
  const problem = checkName(newName);
  if (problem) {
    useFiles.getState().setOp(key, null, problem);
    return Promise.resolve(false);
  }
  const { profileId, prefix } = splitBoardKey(key);
  const to = joinPath(parentOf(from), newName.trim());
  if (to === from) return Promise.resolve(true);
  return treeOp(
    key,
    `Renaming ${from}…`,
    async () => {
      await request('board.mv', { profileId, prefix, from, to });
      const files = boardFiles(useFiles.getState(), key);
      if (files.selected === from) useFiles.getState().selectPath(key, to);
      if (files.editor?.path === from) useFiles.getState().patchEditor(key, { path: to });
    },
    [parentOf(from)],
  );
}

export function deletePath(key: BoardKey, path: string, isDir: boolean): Promise<boolean> {
  const { profileId, prefix } = splitBoardKey(key);
  const run = isDir ? () => request('board.rmdir', { profileId, prefix, path, recursive: true }) : () => request('board.rm', { profileId, prefix, path });
  return treeOp(
    key,
    `Deleting ${path}…`,
    async () => {
      await run();
      const files = boardFiles(useFiles.getState(), key);
      if (files.selected === path) useFiles.getState().selectPath(key, null);
      if (files.editor?.path === path) useFiles.getState().setEditor(key, null);
    },
    [parentOf(path)],
  );
}

/** Uploads local files into `dir`, one after the other (each shows as a transfer), then re-lists it. */
export async function uploadFiles(key: BoardKey, dir: string, files: readonly File[]): Promise<void> {
  for (const file of files) await uploadData(key, joinPath(dir, file.name), file);
  await listDir(key, dir);
}

export async function openInEditor(key: BoardKey, path: string): Promise<void> {
  const { profileId, prefix } = splitBoardKey(key);
  useFiles.getState().setEditor(key, { path, text: '', original: '', loading: true, saving: false });
  try {
    const r = await request('board.readText', { profileId, prefix, path });
    if (boardFiles(useFiles.getState(), key).editor?.path !== path) return; // another file was opened meanwhile
    useFiles.getState().patchEditor(key, { text: r.text, original: r.text, loading: false });
  } catch (e) {
    useFiles.getState().patchEditor(key, { loading: false, error: errorText(e) });
  }
}

export async function saveEditor(key: BoardKey): Promise<void> {
  const ed = boardFiles(useFiles.getState(), key).editor;
  if (!ed || ed.saving) return;
  const { profileId, prefix } = splitBoardKey(key);
  const text = ed.text;
  useFiles.getState().patchEditor(key, { saving: true, error: undefined });
  const data = new TextEncoder().encode(text);
  try {
    if (data.length > LARGE_TEXT_BYTES) {
      // The same atomic put, as a transfer: a big file shows its progress and can be cancelled.
      const out = await uploadData(key, ed.path, { name: baseName(ed.path), data });
      if (!out.ok) throw new Error(out.error);
    } else {
      await request('board.writeText', { profileId, prefix, path: ed.path, text });
    }
    useFiles.getState().patchEditor(key, { saving: false, original: text, savedAt: Date.now() });
    await listDir(key, parentOf(ed.path));
  } catch (e) {
    useFiles.getState().patchEditor(key, { saving: false, error: `Not saved: ${errorText(e)}` });
  }
}
