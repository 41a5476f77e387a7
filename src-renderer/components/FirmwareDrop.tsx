// Choosing a firmware image (.bin): the hidden file input behind an "Update firmware…" or "choose
// one" button, and the drop zone around it. One place for the OTA tab, the bulk update and rollouts.
import { forwardRef, useRef, useState } from 'react';
import type { DragEvent, ReactNode } from 'react';
import { droppedFiles, isFileDrag } from '../services/local-files.js';

/** The hidden input; `ref` is what a button clicks. Choosing the same file again fires again. */
export const FirmwareInput = forwardRef<HTMLInputElement, { testId: string; onFile: (f: File) => void }>(function FirmwareInput({ testId, onFile }, ref) {
  return (
    <input
      ref={ref}
      type="file"
      accept=".bin,application/octet-stream"
      hidden
      data-testid={testId}
      onChange={(e) => {
        const f = e.target.files?.[0];
        e.target.value = '';
        if (f) onFile(f);
      }}
    />
  );
});

/** A drop zone for one image; `children` gets the function that opens the file picker. */
export function FirmwareDropzone({ testId, inputTestId, onFile, children }: { testId: string; inputTestId: string; onFile: (f: File) => void; children: (pick: () => void) => ReactNode }) {
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const onDrop = (e: DragEvent) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    setOver(false);
    const f = droppedFiles(e.dataTransfer).files[0];
    if (f) onFile(f);
  };
  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      data-testid={testId}
      onDragOver={(e) => {
        if (!isFileDrag(e)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      {children(() => picker.current?.click())}
      <FirmwareInput ref={picker} testId={inputTestId} onFile={onFile} />
    </div>
  );
}
