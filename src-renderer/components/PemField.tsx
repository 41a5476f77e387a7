// A certificate or key: a path (Electron's native dialog), or PEM text pasted or read from a
// file picked in the browser (the web mode cannot see local paths).
import { useRef, useState } from 'react';
import { pickLocalPath } from '../services/dialogs.js';
import { useUi } from '../stores/ui-store.js';

interface Props {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  hint: string;
  /** PEM text may be stored instead of a path (the CA); otherwise paths only (client cert, key). */
  textAllowed?: boolean;
}

export function PemField({ id, label, value, onChange, hint, textAllowed }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const mode = useUi((s) => s.appInfo?.mode);
  const choose = async () => {
    setProblem(null);
    if (mode !== 'electron') {
      // The browser has no native dialog (and cannot tell a path): read the file's text instead.
      if (textAllowed) input.current?.click();
      else setProblem('No file dialog in the browser: type the path of the file on the machine that runs the console.');
      return;
    }
    const r = await pickLocalPath(label, ['pem', 'crt', 'cer', 'key', 'der']);
    if (r.path) onChange(r.path);
    else if (r.unavailable && textAllowed) input.current?.click();
    else if (r.unavailable) setProblem('No file dialog in the browser: type the path of the file on the machine that runs the console.');
    else if (r.error) setProblem(r.error);
  };
  const readPicked = async (f: File | undefined) => {
    if (!f) return;
    if (f.size > 16_000) return setProblem('That file is too large for a certificate (at most 16 KB).');
    const text = await f.text();
    if (!text.includes('-----BEGIN')) return setProblem('Not a PEM file (no "-----BEGIN" line). Convert DER files with openssl first.');
    onChange(text);
  };
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div className="row">
        <input id={id} className="grow mono" type="text" value={value.includes('\n') ? '(PEM text)' : value} readOnly={value.includes('\n')} onChange={(e) => onChange(e.target.value)} placeholder={hint} data-testid={id} />
        <button type="button" onClick={() => void choose()}>
          Choose…
        </button>
        {value && (
          <button type="button" onClick={() => onChange('')} aria-label={`Clear ${label}`}>
            ×
          </button>
        )}
        <input ref={input} type="file" hidden onChange={(e) => void readPicked(e.target.files?.[0])} />
      </div>
      {problem && <div className="full error">{problem}</div>}
    </>
  );
}
