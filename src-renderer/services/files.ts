// A board's files: list directories, make, rename and delete, upload and download, and the text
// editor (save = atomic put with SHA-256 check on the board).
import { splitBoardKey } from '../lib/board-key.js';
import type { BoardKey } from '../lib/board-key.js';
import { baseName, checkName, joinPath, parentOf } from '../lib/paths.js';
import { boardFiles, useFiles } from '../stores/files-store.js';
import { errorText, request } from './api.js';
import { fileRefOf, saveBytes } from './local-files.js';

let transferIds = 0;

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

/** Uploads local files into `dir`, one after the other; each shows as a transfer. */
export async function uploadFiles(key: BoardKey, dir: string, files: readonly File[]): Promise<void> {
  const { profileId, prefix } = splitBoardKey(key);
  for (const file of files) {
    const path = joinPath(dir, file.name);
    const id = ++transferIds;
    useFiles.getState().addTransfer(key, { id, kind: 'upload', path, size: file.size, state: 'running', started: Date.now() });
    try {
      const ref = await fileRefOf(file);
      const r = await request('board.upload', { profileId, prefix, path, file: ref });
      useFiles.getState().updateTransfer(key, id, { state: 'done', size: r.size, ended: Date.now() });
    } catch (e) {
      useFiles.getState().updateTransfer(key, id, { state: 'failed', error: errorText(e), ended: Date.now() });
    }
  }
  await listDir(key, dir);
}

export async function downloadFile(key: BoardKey, path: string): Promise<void> {
  const { profileId, prefix } = splitBoardKey(key);
  const id = ++transferIds;
  useFiles.getState().addTransfer(key, { id, kind: 'download', path, state: 'running', started: Date.now() });
  try {
    const r = await request('board.download', { profileId, prefix, path });
    saveBytes(r.name || baseName(path), r.data);
    useFiles.getState().updateTransfer(key, id, { state: 'done', size: r.data.byteLength, ended: Date.now() });
  } catch (e) {
    useFiles.getState().updateTransfer(key, id, { state: 'failed', error: errorText(e), ended: Date.now() });
  }
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
  try {
    await request('board.writeText', { profileId, prefix, path: ed.path, text });
    useFiles.getState().patchEditor(key, { saving: false, original: text, savedAt: Date.now() });
    await listDir(key, parentOf(ed.path));
  } catch (e) {
    useFiles.getState().patchEditor(key, { saving: false, error: `Not saved: ${errorText(e)}` });
  }
}
