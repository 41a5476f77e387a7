// A modal dialog: focus moves into it, Tab stays inside, Escape closes it, focus returns to
// where it was. Also the confirmation and the one-field prompt built on it.
import { useEffect, useRef, useState } from 'react';
import type { KeyboardEvent, ReactNode } from 'react';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
}

export function Modal({ title, onClose, children, testId }: ModalProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>('[autofocus], input, textarea, select, button');
    first?.focus();
    return () => before?.focus?.();
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    }
    if (e.key === 'Tab' && box.current) {
      const f = [...box.current.querySelectorAll<HTMLElement>('button, input, select, textarea, [tabindex="0"]')].filter((x) => !x.hasAttribute('disabled'));
      if (f.length === 0) return;
      const [a, z] = [f[0]!, f[f.length - 1]!];
      const wrapTo = e.shiftKey && document.activeElement === a ? z : !e.shiftKey && document.activeElement === z ? a : null;
      if (wrapTo) {
        e.preventDefault();
        wrapTo.focus();
      }
    }
  };
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={box} className="modal" role="dialog" aria-modal="true" aria-label={title} data-testid={testId} onKeyDown={onKeyDown}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

interface ConfirmProps {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

export function ConfirmDialog({ title, message, confirmLabel, danger, onConfirm, onCancel }: ConfirmProps) {
  return (
    <Modal title={title} onClose={onCancel} testId="confirm-dialog">
      <div>{message}</div>
      <div className="actions">
        <button onClick={onCancel} data-testid="confirm-cancel">
          Cancel
        </button>
        <button className={danger ? 'danger' : 'primary'} onClick={onConfirm} data-testid="confirm-ok">
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

interface PromptProps {
  title: string;
  label: string;
  initial?: string;
  confirmLabel: string;
  validate?: (v: string) => string | undefined;
  onSubmit: (value: string) => void;
  onCancel: () => void;
}

export function PromptDialog({ title, label, initial = '', confirmLabel, validate, onSubmit, onCancel }: PromptProps) {
  const [value, setValue] = useState(initial);
  const problem = value ? validate?.(value) : undefined;
  return (
    <Modal title={title} onClose={onCancel} testId="prompt-dialog">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (!problem && value.trim()) onSubmit(value.trim());
        }}
      >
        <label htmlFor="prompt-value">{label}</label>
        <input id="prompt-value" type="text" value={value} onChange={(e) => setValue(e.target.value)} data-testid="prompt-input" autoFocus spellCheck={false} />
        {problem && <div className="full error">{problem}</div>}
        <div className="full actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!!problem || !value.trim()} data-testid="prompt-ok">
            {confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
