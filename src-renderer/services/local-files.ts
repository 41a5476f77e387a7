// Local files the user hands over (drops, file pickers) as contract FileRefs: a path in Electron
// (main reads the file itself, nothing large crosses IPC), the bytes in a browser.
import type { FileRef } from '../../src-main/common/contract.js';
import { electronBridge } from './api.js';

export async function fileRefOf(file: File): Promise<FileRef> {
  const path = electronBridge()?.getPathForFile(file);
  if (path) return { kind: 'path', path };
  return { kind: 'bytes', name: file.name || 'file', data: new Uint8Array(await file.arrayBuffer()) };
}

/** Files dropped on an element; folders are refused (their File has no readable content). */
export function droppedFiles(dt: DataTransfer | null): { files: File[]; folders: string[] } {
  const files: File[] = [];
  const folders: string[] = [];
  if (!dt) return { files, folders };
  const items = dt.items ? [...dt.items] : [];
  if (items.length > 0) {
    for (const it of items) {
      if (it.kind !== 'file') continue;
      const entry = typeof it.webkitGetAsEntry === 'function' ? it.webkitGetAsEntry() : null;
      const f = it.getAsFile();
      if (entry?.isDirectory) folders.push(entry.name);
      else if (f) files.push(f);
    }
    return { files, folders };
  }
  return { files: [...dt.files], folders };
}

/** Hands bytes to the browser as a download (the browser asks where, or saves to Downloads). */
export function saveBytes(name: string, data: Uint8Array | string, type = 'application/octet-stream'): void {
  const part: BlobPart = typeof data === 'string' ? data : (data.slice().buffer as ArrayBuffer);
  const url = URL.createObjectURL(new Blob([part], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Whether the user is dragging files (not text or an element of the page). */
export const isFileDrag = (e: { dataTransfer: DataTransfer | null }): boolean => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');
