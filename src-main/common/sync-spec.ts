// The original MQBoard `mqsync` spec format: blocks that start with `<target_dir>:` (optionally
// `--check-only` or `--no-update`), then indented source lines: plain names (shell wildcards
// allowed), `<source_dir>: name name ...`, or `name->target_name` (no wildcards). Files always
// land directly in the target directory. `#` starts a comment. Pure: the caller lists directories.

export type SyncMode = 'update' | 'check-only' | 'no-update';

export interface SyncFile {
  /** Source path relative to the spec's directory, with forward slashes. */
  source: string;
  /** Absolute path on the board. */
  target: string;
  mode: SyncMode;
}

export class SyncSpecError extends Error {
  constructor(line: number, message: string) {
    super(`sync spec line ${line}: ${message}`);
  }
}

interface Block {
  target: string;
  mode: SyncMode;
  line: number;
  sources: Array<{ dir: string; name: string; rename?: string; line: number }>;
}

const joinPath = (a: string, b: string) => (a === '' || a === '.' ? b : `${a.replace(/\/+$/, '')}/${b}`);
const boardPath = (dir: string, name: string) => `${dir === '/' ? '' : dir.replace(/\/+$/, '')}/${name}`;

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseSyncSpec(text: string): Block[] {
  const blocks: Block[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const noComment = raw.replace(/#.*$/, '');
    if (!noComment.trim()) return;
    if (!/^\s/.test(noComment)) {
      const m = /^(\/[^\s:]*):\s*(.*)$/.exec(noComment.trim());
      if (!m) throw new SyncSpecError(line, `expected "<target_dir>:" (an absolute board path), got "${noComment.trim()}"`);
      const flags = m[2]!.trim();
      if (flags && flags !== '--check-only' && flags !== '--no-update') throw new SyncSpecError(line, `unknown option "${flags}"`);
      blocks.push({ target: m[1]!, mode: flags === '--check-only' ? 'check-only' : flags === '--no-update' ? 'no-update' : 'update', line, sources: [] });
      return;
    }
    const block = blocks[blocks.length - 1];
    if (!block) throw new SyncSpecError(line, 'source files before any "<target_dir>:" line');
    let rest = noComment.trim();
    let dir = '';
    const d = /^([^\s:]+):\s*(.*)$/.exec(rest);
    if (d && !d[1]!.includes('->')) {
      dir = d[1]!;
      rest = d[2]!;
    }
    for (const word of rest.split(/\s+/).filter(Boolean)) {
      const [name, rename, extra] = word.split('->');
      if (extra !== undefined || !name || rename === '') throw new SyncSpecError(line, `bad rename "${word}"`);
      if (rename !== undefined && /[*?]/.test(name)) throw new SyncSpecError(line, `a rename cannot use wildcards ("${word}")`);
      if (rename?.includes('/')) throw new SyncSpecError(line, `files land directly in ${block.target}: "${rename}" cannot contain "/"`);
      block.sources.push({ dir, name, ...(rename !== undefined && { rename }), line });
    }
  });
  return blocks;
}

/**
 * Expands a spec into the list of files to install. `listDir(relDir)` returns the file names in
 * a source directory relative to the spec (files only).
 */
export function planSync(text: string, listDir: (relDir: string) => string[]): SyncFile[] {
  const files: SyncFile[] = [];
  for (const block of parseSyncSpec(text)) {
    for (const src of block.sources) {
      const slash = src.name.lastIndexOf('/');
      const dir = slash >= 0 ? joinPath(src.dir, src.name.slice(0, slash)) : src.dir;
      const pattern = slash >= 0 ? src.name.slice(slash + 1) : src.name;
      let names: string[];
      if (/[*?]/.test(pattern)) {
        const re = globToRegExp(pattern);
        names = listDir(dir).filter((n) => re.test(n)).sort();
        if (names.length === 0) throw new SyncSpecError(src.line, `"${joinPath(dir, pattern)}" matches no file`);
      } else {
        if (!listDir(dir).includes(pattern)) throw new SyncSpecError(src.line, `"${joinPath(dir, pattern)}" does not exist`);
        names = [pattern];
      }
      for (const n of names) files.push({ source: joinPath(dir, n), target: boardPath(block.target, src.rename ?? n), mode: block.mode });
    }
  }
  return files;
}
