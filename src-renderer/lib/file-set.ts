// Which files of a folder the user picked go into a file-set rollout, and which is its sync spec.
// The browser lists every file under the folder (webkitRelativePath: "myapp/src/x.py"): hidden
// files and folders (.git, .vscode) and Python caches are left out, as no spec sends them, and
// the set must fit the console's limit. Pure: the service reads the chosen files' bytes.
import { MAX_FILE_SET_BYTES, MAX_FILE_SET_FILES } from '../../src-main/common/contract.js';

export interface PickedFile {
  /** Relative to the folder's parent, with "/" (the folder's own name first). */
  path: string;
  size: number;
}

export interface FileSetChoice<F extends PickedFile> {
  /** The folder's name. */
  folder: string;
  files: F[];
  /** Sync specs among them (*.spec), the shallowest first: the first is the default. */
  specs: string[];
  bytes: number;
}

const PLAIN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const left = (segment: string) => segment.startsWith('.') || segment === '__pycache__';

/** Throws with a message for the form when the folder cannot be a file set. */
export function chooseFileSet<F extends PickedFile>(picked: readonly F[]): FileSetChoice<F> {
  const files = picked.filter((f) => !f.path.split('/').some(left));
  if (files.length === 0) throw new Error('the folder holds no files');
  const folder = files[0]!.path.split('/')[0]!;
  const odd = files.find((f) => !f.path.split('/').every((s) => PLAIN.test(s)));
  if (odd) throw new Error(`${odd.path}: file set names are letters, digits, "_", "-" and "." only (rename it, or leave it out of the folder)`);
  if (files.length > MAX_FILE_SET_FILES) throw new Error(`the folder holds ${files.length} files; a file set has at most ${MAX_FILE_SET_FILES} (choose the app's folder, not a whole project)`);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  if (bytes > MAX_FILE_SET_BYTES) throw new Error(`the folder holds ${(bytes / 2 ** 20).toFixed(1)} MB; a file set is at most ${MAX_FILE_SET_BYTES / 2 ** 20} MB (choose the app's folder, not a whole project)`);
  const depth = (p: string) => p.split('/').length;
  const specs = files.map((f) => f.path).filter((p) => p.endsWith('.spec')).sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  if (specs.length === 0) throw new Error(`${folder} has no sync spec (a *.spec file saying which files go where, docs/transfers.md, *sync*)`);
  return { folder, files, specs, bytes };
}
