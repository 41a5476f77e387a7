// The board's directory tree, listed lazily as folders open. Files can be dropped on a folder.
import { useState } from 'react';
import type { DragEvent, KeyboardEvent, ReactNode } from 'react';
import type { FileEntry } from '../../src-main/common/contract.js';
import type { BoardKey } from '../lib/board-key.js';
import { formatBytes } from '../lib/format.js';
import { joinPath } from '../lib/paths.js';
import { droppedFiles, isFileDrag } from '../services/local-files.js';
import { toggleDir, uploadFiles } from '../services/files.js';
import { boardFiles, useFiles } from '../stores/files-store.js';

interface Props {
  boardKey: BoardKey;
  onOpen: (path: string, e: FileEntry) => void;
  onKeyAction: (key: string) => void;
  onDropProblem: (msg: string | null) => void;
}

export function FileTree({ boardKey, onOpen, onKeyAction, onDropProblem }: Props) {
  const files = useFiles((s) => boardFiles(s, boardKey));
  const selectPath = useFiles((s) => s.selectPath);
  const [over, setOver] = useState<string | null>(null);

  const dirOf = (e: DragEvent): string => (e.target as HTMLElement).closest?.('[data-dir]')?.getAttribute('data-dir') ?? '/';
  const onDragOver = (e: DragEvent) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setOver(dirOf(e));
  };
  const onDrop = (e: DragEvent) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    const dir = dirOf(e);
    setOver(null);
    const { files: dropped, folders } = droppedFiles(e.dataTransfer);
    onDropProblem(folders.length ? `Folders cannot be uploaded (${folders.join(', ')}): drop the files in them.` : null);
    if (dropped.length) void uploadFiles(boardKey, dir, dropped);
  };

  const rows: ReactNode[] = [];
  const walk = (dir: string, depth: number) => {
    const d = files.dirs[dir];
    if (d?.loading && !d.entries) rows.push(<div key={`${dir}#loading`} className="tree-item muted" style={{ paddingLeft: 8 + depth * 16 }}>Loading…</div>);
    if (d?.error) rows.push(<div key={`${dir}#error`} className="tree-item error" style={{ paddingLeft: 8 + depth * 16 }} data-testid="tree-error">{d.error}</div>);
    for (const e of d?.entries ?? []) {
      const path = joinPath(dir, e.name);
      const isDir = e.type === 'dir';
      const open = !!files.expanded[path];
      rows.push(
        <div
          key={path}
          className={`tree-item${files.selected === path ? ' selected' : ''}`}
          style={{ paddingLeft: 8 + depth * 16, outline: isDir && over === path ? '2px dashed var(--accent)' : undefined }}
          role="treeitem"
          aria-expanded={isDir ? open : undefined}
          aria-selected={files.selected === path}
          data-testid="tree-item"
          data-path={path}
          data-type={e.type}
          data-dir={isDir ? path : dir}
          onClick={() => {
            selectPath(boardKey, path);
            if (isDir) void toggleDir(boardKey, path);
          }}
          onDoubleClick={() => !isDir && onOpen(path, e)}
        >
          <span aria-hidden>{isDir ? (open ? '▾' : '▸') : ' '}</span>
          <span className="name">{e.name}</span>
          {!isDir && <span className="size">{formatBytes(e.size)}</span>}
        </div>,
      );
      if (isDir && open) walk(path, depth + 1);
    }
  };
  walk('/', 0);

  const onKeyDown = (e: KeyboardEvent) => {
    const items = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('[data-path]')];
    const at = items.findIndex((x) => x.dataset.path === files.selected);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) {
        selectPath(boardKey, next.dataset.path!);
        next.scrollIntoView({ block: 'nearest' });
      }
    } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft' || e.key === 'Enter' || e.key === 'Delete' || e.key === 'F2') {
      e.preventDefault();
      onKeyAction(e.key);
    }
  };

  return (
    <div
      className="tree"
      role="tree"
      aria-label="Files on the board"
      tabIndex={0}
      data-testid="file-tree"
      data-dir="/"
      onDragOver={onDragOver}
      onDragLeave={(e) => e.currentTarget === e.target && setOver(null)}
      onDrop={onDrop}
      onKeyDown={onKeyDown}
      style={{ outline: over === '/' ? '2px dashed var(--accent)' : undefined }}
    >
      {rows}
      {rows.length === 0 && <div className="empty">Empty</div>}
    </div>
  );
}
