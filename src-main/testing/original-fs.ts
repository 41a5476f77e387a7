// The in-memory file system of the fake original-firmware board (original-board.ts), with the
// errors MicroPython's os module raises on an ESP32's LittleFS: OSError with an errno, reported
// here by its name (ENOENT, EEXIST, EISDIR, ENOTEMPTY, ...). rename replaces an existing file,
// as LittleFS does.

/** An OSError: `errno` is the name errno.errorcode gives its number. */
export class FsError extends Error {
  constructor(readonly errno: string) {
    super(`OSError: [Errno] ${errno}`);
  }
}

const TOTAL = 2 * 1024 * 1024;
const BLOCK = 4096;

export interface FsNode {
  name: string;
  dir: boolean;
  size: number;
}

function norm(path: string): string {
  const parts = path.split('/').filter((p) => p && p !== '.');
  return `/${parts.join('/')}`;
}

const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';

export class OriginalFs {
  private readonly files = new Map<string, Buffer>();
  private readonly dirs = new Set<string>(['/']);

  isDir(path: string): boolean {
    return this.dirs.has(norm(path));
  }

  exists(path: string): boolean {
    const p = norm(path);
    return this.dirs.has(p) || this.files.has(p);
  }

  read(path: string): Buffer {
    const p = norm(path);
    if (this.dirs.has(p)) throw new FsError('EISDIR');
    const f = this.files.get(p);
    if (!f) throw new FsError('ENOENT');
    return f;
  }

  /** open(path, "wb").write(data): the parent must exist. */
  write(path: string, data: Buffer): void {
    const p = norm(path);
    if (!this.dirs.has(parentOf(p))) throw new FsError('ENOENT');
    if (this.dirs.has(p)) throw new FsError('EISDIR');
    this.files.set(p, Buffer.from(data));
  }

  append(path: string, data: Buffer): void {
    const p = norm(path);
    this.files.set(p, Buffer.concat([this.read(p), data]));
  }

  /** os.ilistdir: the entries of a directory. */
  list(path: string): FsNode[] {
    const p = norm(path);
    if (!this.dirs.has(p)) throw new FsError(this.files.has(p) ? 'ENOTDIR' : 'ENOENT');
    const inDir = (q: string) => q !== p && parentOf(q) === p;
    const name = (q: string) => q.slice(q.lastIndexOf('/') + 1);
    return [
      ...[...this.dirs].filter(inDir).map((q) => ({ name: name(q), dir: true, size: 0 })),
      ...[...this.files].filter(([q]) => inDir(q)).map(([q, b]) => ({ name: name(q), dir: false, size: b.length })),
    ].sort((a, b) => a.name.localeCompare(b.name));
  }

  mkdir(path: string): void {
    const p = norm(path);
    if (this.exists(p)) throw new FsError('EEXIST');
    if (!this.dirs.has(parentOf(p))) throw new FsError('ENOENT');
    this.dirs.add(p);
  }

  remove(path: string): void {
    const p = norm(path);
    if (this.dirs.has(p)) throw new FsError('EISDIR');
    if (!this.files.delete(p)) throw new FsError('ENOENT');
  }

  rmdir(path: string): void {
    const p = norm(path);
    if (!this.dirs.has(p)) throw new FsError(this.files.has(p) ? 'ENOTDIR' : 'ENOENT');
    if (this.list(p).length) throw new FsError('ENOTEMPTY');
    if (p === '/') throw new FsError('EPERM');
    this.dirs.delete(p);
  }

  rename(from: string, to: string): void {
    const a = norm(from);
    const b = norm(to);
    if (!this.exists(a)) throw new FsError('ENOENT');
    if (!this.dirs.has(parentOf(b))) throw new FsError('ENOENT');
    if (this.dirs.has(b)) throw new FsError('EISDIR');
    if (this.dirs.has(a)) {
      // A directory moves with everything under it.
      for (const d of [...this.dirs].filter((d) => d === a || d.startsWith(`${a}/`))) {
        this.dirs.delete(d);
        this.dirs.add(b + d.slice(a.length));
      }
      for (const [f, data] of [...this.files].filter(([f]) => f.startsWith(`${a}/`))) {
        this.files.delete(f);
        this.files.set(b + f.slice(a.length), data);
      }
      return;
    }
    const data = this.files.get(a)!;
    this.files.delete(a);
    this.files.set(b, data);
  }

  /** os.statvfs("/"): block size, blocks, free blocks. */
  statvfs(): { block: number; total: number; free: number } {
    const used = [...this.files.values()].reduce((n, b) => n + Math.ceil(b.length / BLOCK) * BLOCK, 0);
    return { block: BLOCK, total: TOTAL, free: Math.max(0, TOTAL - used) };
  }
}
