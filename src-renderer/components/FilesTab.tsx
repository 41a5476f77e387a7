// The board's files: tree, actions on the selected item, the text editor and the transfers.
import { useEffect, useRef, useState } from 'react';
import type { FileEntry } from '../../src-main/common/contract.js';
import type { BoardKey } from '../lib/board-key.js';
import { formatBytes, formatTime } from '../lib/format.js';
import { baseName, checkName, isEditableText, parentOf } from '../lib/paths.js';
import { deletePath, listDir, makeFolder, openInEditor, refreshTree, renamePath, toggleDir, uploadFiles } from '../services/files.js';
import { downloadFile } from '../services/transfers.js';
import { boardFiles, useFiles } from '../stores/files-store.js';
import { useFleet } from '../stores/fleet-store.js';
import { ErrorNote } from './bits.js';
import { FileEditor } from './FileEditor.js';
import { FileTree } from './FileTree.js';
import { ConfirmDialog, PromptDialog } from './Modal.js';
import { Transfers } from './Transfers.js';

type Dialog = { kind: 'mkdir'; dir: string } | { kind: 'rename'; path: string } | { kind: 'delete'; path: string; isDir: boolean } | null;

export function FilesTab({ boardKey }: { boardKey: BoardKey }) {
  const files = useFiles((s) => boardFiles(s, boardKey));
  const setOp = useFiles((s) => s.setOp);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [dropProblem, setDropProblem] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);

  const online = useFleet((s) => s.boards.get(boardKey)?.online ?? false);
  // Listed when shown, and again when the board comes back (after a reset the listing may have failed).
  useEffect(() => {
    const root = boardFiles(useFiles.getState(), boardKey).dirs['/'];
    if (online && (!root?.entries || root.error)) void listDir(boardKey, '/');
  }, [boardKey, online]);

  const entryOf = (path: string | null): FileEntry | undefined => {
    if (!path) return undefined;
    return files.dirs[parentOf(path)]?.entries?.find((e) => e.name === baseName(path));
  };
  const sel = files.selected;
  const selEntry = entryOf(sel);
  const selIsDir = selEntry?.type === 'dir';
  const targetDir = sel && selIsDir ? sel : sel ? parentOf(sel) : '/';

  const open = (path: string, e: FileEntry) => {
    if (e.type === 'dir') return void toggleDir(boardKey, path);
    if (isEditableText(e.name, e.size)) void openInEditor(boardKey, path);
    else setOp(boardKey, null, `${e.name} is not a small text file: download it instead.`);
  };

  const onKeyAction = (key: string) => {
    if (!sel || !selEntry) return;
    if (key === 'Enter') open(sel, selEntry);
    if (key === 'Delete') setDialog({ kind: 'delete', path: sel, isDir: selIsDir });
    if (key === 'F2') setDialog({ kind: 'rename', path: sel });
    if ((key === 'ArrowRight' && selIsDir && !files.expanded[sel]) || (key === 'ArrowLeft' && selIsDir && files.expanded[sel])) void toggleDir(boardKey, sel);
  };

  return (
    <>
      <div className="toolbar" role="toolbar" aria-label="File actions">
        <button onClick={() => void refreshTree(boardKey)} data-testid="files-refresh">
          Refresh
        </button>
        <button onClick={() => setDialog({ kind: 'mkdir', dir: targetDir })} data-testid="files-mkdir">
          New folder
        </button>
        <button onClick={() => picker.current?.click()} data-testid="files-upload" title="Or drop files on a folder">
          Upload…
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          data-testid="files-upload-input"
          onChange={(e) => {
            const list = [...(e.target.files ?? [])];
            e.target.value = '';
            if (list.length) void uploadFiles(boardKey, targetDir, list);
          }}
        />
        <span className="muted">|</span>
        <button onClick={() => sel && void downloadFile(boardKey, sel)} disabled={!sel || selIsDir} data-testid="files-download">
          Download
        </button>
        <button onClick={() => sel && selEntry && open(sel, selEntry)} disabled={!sel || selIsDir} data-testid="files-edit">
          Open
        </button>
        <button onClick={() => sel && setDialog({ kind: 'rename', path: sel })} disabled={!sel} data-testid="files-rename" title="F2">
          Rename
        </button>
        <button className="danger" onClick={() => sel && setDialog({ kind: 'delete', path: sel, isDir: selIsDir })} disabled={!sel} data-testid="files-delete" title="Delete">
          Delete
        </button>
        <span className="grow muted mono">{targetDir}</span>
        {files.opBusy && <span className="muted">{files.opBusy}</span>}
      </div>
      <ErrorNote testId="files-error">{files.opError ?? dropProblem}</ErrorNote>
      <div className="files">
        <FileTree boardKey={boardKey} onOpen={open} onKeyAction={onKeyAction} onDropProblem={setDropProblem} />
        {files.editor ? (
          <FileEditor boardKey={boardKey} />
        ) : (
          <div className="cards">
            {selEntry && sel ? (
              <div className="card" data-testid="file-info">
                <strong className="mono">{sel}</strong>
                <dl className="facts">
                  <dt>Type</dt>
                  <dd>{selIsDir ? 'folder' : 'file'}</dd>
                  {!selIsDir && (
                    <>
                      <dt>Size</dt>
                      <dd>{formatBytes(selEntry.size)}</dd>
                    </>
                  )}
                  {selEntry.mtime !== null && (
                    <>
                      <dt>Modified</dt>
                      <dd>{formatTime(selEntry.mtime * 1000)}</dd>
                    </>
                  )}
                </dl>
              </div>
            ) : (
              <div className="dropzone">Select a file, or drop files from your computer on a folder to upload them.</div>
            )}
          </div>
        )}
      </div>
      <Transfers boardKey={boardKey} />
      {dialog?.kind === 'mkdir' && (
        <PromptDialog
          title="New folder"
          label={`In ${dialog.dir}`}
          confirmLabel="Create"
          validate={checkName}
          onCancel={() => setDialog(null)}
          onSubmit={(name) => {
            setDialog(null);
            void makeFolder(boardKey, dialog.dir, name).then((ok) => ok && useFiles.getState().toggleExpanded(boardKey, dialog.dir, true));
          }}
        />
      )}
      {dialog?.kind === 'rename' && (
        <PromptDialog
          title="Rename"
          label={`New name for ${dialog.path}`}
          initial={baseName(dialog.path)}
          confirmLabel="Rename"
          validate={checkName}
          onCancel={() => setDialog(null)}
          onSubmit={(name) => {
            setDialog(null);
            void renamePath(boardKey, dialog.path, name);
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <ConfirmDialog
          title={dialog.isDir ? 'Delete folder' : 'Delete file'}
          message={
            <>
              Delete <strong className="mono">{dialog.path}</strong>
              {dialog.isDir ? ' and everything in it' : ''} from the board? This cannot be undone.
            </>
          }
          confirmLabel="Delete"
          danger
          onCancel={() => setDialog(null)}
          onConfirm={() => {
            setDialog(null);
            void deletePath(boardKey, dialog.path, dialog.isDir);
          }}
        />
      )}
    </>
  );
}
