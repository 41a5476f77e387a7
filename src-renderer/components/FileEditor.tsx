// A small text file from the board, edited in place and saved atomically (board.writeText: the
// board verifies the SHA-256 before it replaces the file). Ctrl/Cmd+S saves.
import type { KeyboardEvent } from 'react';
import type { BoardKey } from '../lib/board-key.js';
import { saveEditor } from '../services/files.js';
import { boardFiles, useFiles } from '../stores/files-store.js';
import { ErrorNote } from './bits.js';

export function FileEditor({ boardKey }: { boardKey: BoardKey }) {
  const ed = useFiles((s) => boardFiles(s, boardKey).editor);
  const patch = useFiles((s) => s.patchEditor);
  const setEditor = useFiles((s) => s.setEditor);
  if (!ed) return null;
  const dirty = ed.text !== ed.original;
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 's') {
      e.preventDefault();
      void saveEditor(boardKey);
    }
    if (e.key === 'Tab' && !e.shiftKey) {
      // Indent with 4 spaces instead of leaving the editor (Esc then Tab leaves it).
      e.preventDefault();
      const t = e.currentTarget;
      const at = t.selectionStart;
      const text = ed.text.slice(0, at) + '    ' + ed.text.slice(t.selectionEnd);
      patch(boardKey, { text });
      requestAnimationFrame(() => t.setSelectionRange(at + 4, at + 4));
    }
    if (e.key === 'Escape') (e.currentTarget as HTMLElement).blur();
  };
  return (
    <div className="editor" data-testid="file-editor" data-path={ed.path}>
      <div className="row">
        <strong className="mono grow">
          {ed.path}
          {dirty ? ' •' : ''}
        </strong>
        {ed.savedAt && !dirty && <span className="note-ok" data-testid="editor-saved">Saved</span>}
        <button className="primary" onClick={() => void saveEditor(boardKey)} disabled={!dirty || ed.saving || ed.loading} data-testid="editor-save" title="Ctrl+S">
          {ed.saving ? 'Saving…' : 'Save'}
        </button>
        <button onClick={() => setEditor(boardKey, null)} data-testid="editor-close">
          Close
        </button>
      </div>
      <ErrorNote testId="editor-error">{ed.error}</ErrorNote>
      {ed.loading ? (
        <div className="muted">Loading…</div>
      ) : (
        <textarea value={ed.text} onChange={(e) => patch(boardKey, { text: e.target.value })} onKeyDown={onKeyDown} spellCheck={false} aria-label={`Contents of ${ed.path}`} data-testid="editor-text" />
      )}
    </div>
  );
}
