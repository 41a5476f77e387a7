// The keyboard shortcuts, shown with "?".
import { Modal } from './Modal.js';

const SHORTCUTS: [string, string][] = [
  ['Alt+1 … Alt+5', 'Fleet, crashes, watched logs, updates, open board'],
  ['/', 'Search boards'],
  ['↑ ↓ PgUp PgDn Home End', 'Move in the board list (Shift extends the selection, Ctrl moves without selecting)'],
  ['Space', 'Select or unselect the board under the cursor'],
  ['Ctrl+A', 'Select every board shown'],
  ['Enter', 'Open the board under the cursor'],
  ['Esc', 'Clear the selection / back to the fleet / close a dialog'],
  ['← →', 'Switch the board tabs (tab bar focused)'],
  ['Ctrl+C', 'Terminal: interrupt (copies when text is selected)'],
  ['Tab', 'Terminal: complete'],
  ['Ctrl+S', 'Editor: save the file to the board'],
  ['F2 / Delete', 'Files: rename / delete the selected item'],
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} testId="shortcuts">
      <dl className="facts">
        {SHORTCUTS.map(([k, what]) => (
          <div key={k} style={{ display: 'contents' }}>
            <dt>
              <kbd>{k}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <div className="actions">
        <button onClick={onClose} autoFocus>
          Close
        </button>
      </div>
    </Modal>
  );
}
