// A board's flash for the fake console: files and directories in memory, with the errors the
// real board gives (ENOENT, EEXIST, ENOTEMPTY, EISDIR).
import type { FileEntry } from '../../src-main/common/contract.js';
import { ConsoleError } from '../../src-main/common/contract.js';

const enc = new TextEncoder();

export class FakeFs {
  readonly files = new Map<string, { data: Uint8Array; mtime: number }>();
  readonly dirs = new Set<string>(['/']);

  constructor(seed: Record<string, string> = {}) {
    for (const [path, text] of Object.entries(seed)) this.write(path, enc.encode(text));
  }

  private fail(errno: string, path: string): never {
    throw new ConsoleError('BOARD_ERROR', `${errno}: ${path}`);
  }

  private parent(path: string): string {
    const i = path.lastIndexOf('/');
    return i <= 0 ? '/' : path.slice(0, i);
  }

  write(path: string, data: Uint8Array): void {
    if (this.dirs.has(path)) this.fail('EISDIR', path);
    let d = this.parent(path);
    const missing: string[] = [];
    while (!this.dirs.has(d)) {
      missing.push(d);
      d = this.parent(d);
    }
    for (const m of missing) this.dirs.add(m);
    this.files.set(path, { data, mtime: Math.floor(Date.now() / 1000) });
  }

  read(path: string): Uint8Array {
    const f = this.files.get(path);
    if (!f) this.fail(this.dirs.has(path) ? 'EISDIR' : 'ENOENT', path);
    return f.data;
  }

  ls(dir: string): FileEntry[] {
    if (!this.dirs.has(dir)) this.fail('ENOENT', dir);
    const base = dir === '/' ? '/' : `${dir}/`;
    const out: FileEntry[] = [];
    for (const d of this.dirs) if (d !== dir && d.startsWith(base) && !d.slice(base.length).includes('/')) out.push({ name: d.slice(base.length), type: 'dir', size: 0, mtime: null });
    for (const [p, f] of this.files) if (p.startsWith(base) && !p.slice(base.length).includes('/')) out.push({ name: p.slice(base.length), type: 'file', size: f.data.length, mtime: f.mtime });
    return out;
  }

  mkdir(path: string): void {
    if (this.files.has(path)) this.fail('EEXIST', path);
    if (!this.dirs.has(this.parent(path))) this.fail('ENOENT', this.parent(path));
    this.dirs.add(path);
  }

  rm(path: string): void {
    if (this.dirs.has(path)) this.fail('EISDIR', path);
    if (!this.files.delete(path)) this.fail('ENOENT', path);
  }

  rmdir(path: string, recursive: boolean): void {
    if (!this.dirs.has(path) || path === '/') this.fail('ENOENT', path);
    const inside = (p: string) => p.startsWith(`${path}/`);
    const children = [...this.files.keys()].some(inside) || [...this.dirs].some(inside);
    if (children && !recursive) this.fail('ENOTEMPTY', path);
    for (const p of [...this.files.keys()]) if (inside(p)) this.files.delete(p);
    for (const p of [...this.dirs]) if (inside(p)) this.dirs.delete(p);
    this.dirs.delete(path);
  }

  mv(from: string, to: string): void {
    const f = this.files.get(from);
    if (f) {
      this.files.delete(from);
      this.write(to, f.data);
      return;
    }
    if (!this.dirs.has(from)) this.fail('ENOENT', from);
    if (this.dirs.has(to) || this.files.has(to)) this.fail('EEXIST', to);
    const move = (p: string) => to + p.slice(from.length);
    const dirs = [...this.dirs].filter((p) => p === from || p.startsWith(`${from}/`));
    for (const p of dirs) this.dirs.delete(p);
    for (const p of dirs) this.dirs.add(move(p));
    const files = [...this.files].filter(([p]) => p.startsWith(`${from}/`));
    for (const [p] of files) this.files.delete(p);
    for (const [p, v] of files) this.files.set(move(p), v);
  }
}

export const FAKE_BOARD_FILES: Record<string, string> = {
  '/boot.py': '# boot.py: runs first\nimport mqb_launch\n',
  '/main.py': 'import mqb_launch\nmqb_launch.main()\n',
  '/board_config.py': 'mqtt = {"host": "127.0.0.1", "port": 1883}\n',
  '/lib/mqb_cmd.py': '# command dispatcher\n',
  '/lib/mqb_log.py': '# logging\n',
  '/src/blinky.py': '__version__ = "1.0.0"\n\ndef start(mqtt, cfg):\n    pass\n',
  '/src/faulty.py': '__version__ = "0.0.1"\n\n\ndef start(mqtt, cfg):\n    raise RuntimeError("faulty demo app failed to start")\n',
};
