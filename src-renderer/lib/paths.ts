// Paths on a board's flash: always absolute, "/" separated.

export function joinPath(dir: string, name: string): string {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  return `${base}${name.replace(/^\/+/, '')}`;
}

export function parentOf(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  const p = path.replace(/\/+$/, '');
  return p.slice(p.lastIndexOf('/') + 1);
}

/** A file or folder name the user typed: no slashes, not empty, not "." or "..". */
export function checkName(name: string): string | undefined {
  const n = name.trim();
  if (!n) return 'The name is empty.';
  if (n.includes('/')) return 'A name cannot contain "/".';
  if (n === '.' || n === '..') return `"${n}" is not a valid name.`;
  if (n.length > 64) return 'The name is too long (at most 64 characters).';
  return undefined;
}

/** Files the editor opens as text (small and with a text-like extension). */
export function isEditableText(name: string, size: number): boolean {
  return size <= 256 * 1024 && /\.(py|txt|json|cfg|conf|ini|md|csv|spec|log|html|js|css|yaml|yml|toml)$/i.test(name);
}
