// An Emscripten file system backed by a directory of the host (the board's "flash").
// The wasm build has no NODEFS, and a MEMFS copy would lose writes on a power cut: here every
// write goes straight to the host file, so a board killed mid-write leaves exactly what a
// write-through flash file system (FAT) would: the bytes written so far, possibly a torn block.
// Capacity is enforced like a real flash partition (4 KB blocks, ENOSPC when full).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { wasiErrno, wasiErrnoForNodeCode } from './errno-bridge.js';
import type { EmscriptenFS, FsNode, FsStream } from './emscripten-fs.js';
import { O_ACCMODE, O_APPEND, S_IFDIR, S_IFMT, S_IFREG } from './emscripten-fs.js';

export const FLASH_BLOCK = 4096;

export interface WriteGate {
  /**
   * Called before each write. Returns how many of the `length` bytes may be written before the
   * board loses power, or undefined for "all of them".
   */
  beforeWrite(hostPath: string, position: number, length: number): number | undefined;
  /** Called after a partial write allowed by beforeWrite: must not return (the board is off). */
  powerLost(hostPath: string): never;
}

export interface HostFsOptions {
  root: string;
  /** Capacity in bytes; undefined = unlimited (partition files). */
  capacity?: number;
  gate?: WriteGate;
}

const blocksFor = (size: number) => Math.ceil(size / FLASH_BLOCK) * FLASH_BLOCK;

/** Bytes used on the emulated flash: whole blocks per file, one block per directory. */
function measureUsage(dir: string): number {
  let used = FLASH_BLOCK;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) used += measureUsage(full);
    else if (entry.isFile()) used += blocksFor(fs.statSync(full).size);
  }
  return used;
}

export function createHostFs(FS: EmscriptenFS, options: HostFsOptions) {
  const { root, capacity, gate } = options;
  let used = capacity === undefined ? 0 : measureUsage(root);

  const fail = (err: unknown): never => {
    if (err instanceof FS.ErrnoError) throw err;
    throw new FS.ErrnoError(wasiErrnoForNodeCode((err as NodeJS.ErrnoException).code));
  };
  const realPath = (node: FsNode): string => {
    const parts: string[] = [];
    while (node.parent !== node) {
      parts.push(node.name);
      node = node.parent;
    }
    return path.join(root, ...parts.reverse());
  };
  const reserve = (delta: number) => {
    if (capacity !== undefined && delta > 0 && used + delta > capacity) throw new FS.ErrnoError(wasiErrno('ENOSPC'));
    used += delta;
  };
  const makeNode = (parent: FsNode | null, name: string, mode: number): FsNode => {
    const node = FS.createNode(parent, name, mode, 0);
    node.node_ops = nodeOps;
    node.stream_ops = streamOps;
    return node;
  };
  const statOf = (node: FsNode) => {
    try {
      return fs.lstatSync(realPath(node));
    } catch (err) {
      return fail(err);
    }
  };

  const nodeOps = {
    getattr(node: FsNode) {
      const st = statOf(node);
      return {
        dev: 1, ino: node.id, mode: st.mode, nlink: 1, uid: 0, gid: 0, rdev: 0,
        size: st.isDirectory() ? 0 : st.size, atime: st.atime, mtime: st.mtime, ctime: st.ctime,
        blksize: FLASH_BLOCK, blocks: Math.ceil(st.size / 512),
      };
    },
    setattr(node: FsNode, attr: { size?: number; atime?: number; mtime?: number; timestamp?: number }) {
      const p = realPath(node);
      try {
        if (attr.size !== undefined) {
          const before = fs.statSync(p).size;
          reserve(blocksFor(attr.size) - blocksFor(before));
          fs.truncateSync(p, attr.size);
        }
        const mtime = attr.mtime ?? attr.timestamp;
        if (mtime !== undefined) fs.utimesSync(p, new Date(attr.atime ?? mtime), new Date(mtime));
      } catch (err) {
        fail(err);
      }
    },
    lookup(parent: FsNode, name: string) {
      let st: fs.Stats;
      try {
        st = fs.lstatSync(path.join(realPath(parent), name));
      } catch (err) {
        return fail(err);
      }
      return makeNode(parent, name, (st.mode & S_IFMT) === S_IFDIR ? S_IFDIR | 0o777 : S_IFREG | 0o666);
    },
    mknod(parent: FsNode, name: string, mode: number) {
      const p = path.join(realPath(parent), name);
      const isDir = (mode & S_IFMT) === S_IFDIR;
      if (!isDir && (mode & S_IFMT) !== S_IFREG) throw new FS.ErrnoError(wasiErrno('EPERM'));
      reserve(isDir ? FLASH_BLOCK : 0);
      try {
        if (isDir) fs.mkdirSync(p);
        else fs.closeSync(fs.openSync(p, 'wx'));
      } catch (err) {
        used -= isDir ? FLASH_BLOCK : 0;
        fail(err);
      }
      return makeNode(parent, name, isDir ? S_IFDIR | 0o777 : S_IFREG | 0o666);
    },
    rename(oldNode: FsNode, newDir: FsNode, newName: string) {
      const target = path.join(realPath(newDir), newName);
      try {
        let replaced = 0;
        try {
          const st = fs.lstatSync(target);
          if (st.isFile()) replaced = blocksFor(st.size);
        } catch {
          /* no file to replace */
        }
        fs.renameSync(realPath(oldNode), target);
        used -= replaced;
        // Emscripten's FS.rename leaves the node's name to the file system (as MEMFS does):
        // without it the node keeps answering for the old name and maps to the old host path.
        oldNode.name = newName;
      } catch (err) {
        fail(err);
      }
    },
    unlink(parent: FsNode, name: string) {
      const p = path.join(realPath(parent), name);
      try {
        const size = fs.lstatSync(p).size;
        fs.unlinkSync(p);
        used -= blocksFor(size);
      } catch (err) {
        fail(err);
      }
    },
    rmdir(parent: FsNode, name: string) {
      try {
        fs.rmdirSync(path.join(realPath(parent), name));
        used -= FLASH_BLOCK;
      } catch (err) {
        fail(err);
      }
    },
    readdir(node: FsNode) {
      try {
        return ['.', '..', ...fs.readdirSync(realPath(node))];
      } catch (err) {
        return fail(err);
      }
    },
    symlink() {
      throw new FS.ErrnoError(wasiErrno('EPERM'));
    },
    readlink() {
      throw new FS.ErrnoError(wasiErrno('EINVAL'));
    },
    statfs() {
      const total = capacity ?? 64 * 1024 * 1024;
      const free = Math.max(0, total - used);
      return {
        bsize: FLASH_BLOCK, frsize: FLASH_BLOCK, blocks: Math.floor(total / FLASH_BLOCK),
        bfree: Math.floor(free / FLASH_BLOCK), bavail: Math.floor(free / FLASH_BLOCK), namelen: 255,
      };
    },
  };

  const streamOps = {
    open(stream: FsStream) {
      if (!FS.isFile(stream.node.mode)) return;
      const acc = stream.flags & O_ACCMODE;
      const flags = acc | (stream.flags & O_APPEND ? fs.constants.O_APPEND : 0);
      try {
        stream.hostFd = fs.openSync(realPath(stream.node), flags);
      } catch (err) {
        fail(err);
      }
    },
    close(stream: FsStream) {
      if (stream.hostFd !== undefined) fs.closeSync(stream.hostFd);
    },
    read(stream: FsStream, buffer: Int8Array, offset: number, length: number, position: number) {
      if (stream.hostFd === undefined) throw new FS.ErrnoError(wasiErrno('EISDIR'));
      try {
        return fs.readSync(stream.hostFd, buffer, offset, length, position);
      } catch (err) {
        return fail(err);
      }
    },
    write(stream: FsStream, buffer: Int8Array, offset: number, length: number, position: number) {
      if (stream.hostFd === undefined) throw new FS.ErrnoError(wasiErrno('EISDIR'));
      const fd = stream.hostFd;
      try {
        if (capacity !== undefined) {
          const size = fs.fstatSync(fd).size;
          reserve(blocksFor(Math.max(size, position + length)) - blocksFor(size));
        }
        const allowed = gate?.beforeWrite(realPath(stream.node), position, length);
        if (allowed !== undefined && allowed < length) {
          fs.writeSync(fd, buffer, offset, allowed, position);
          fs.fsyncSync(fd);
          gate!.powerLost(realPath(stream.node));
        }
        return fs.writeSync(fd, buffer, offset, length, position);
      } catch (err) {
        return fail(err);
      }
    },
    llseek(stream: FsStream, offset: number, whence: number) {
      let base = 0;
      if (whence === 1) base = stream.position;
      else if (whence === 2) base = stream.hostFd !== undefined ? fs.fstatSync(stream.hostFd).size : 0;
      const pos = base + offset;
      if (pos < 0) throw new FS.ErrnoError(wasiErrno('EINVAL'));
      return pos;
    },
  };

  return {
    mount: (m: { opts: Record<string, unknown> }) => {
      void m;
      return makeNode(null, '/', S_IFDIR | 0o777);
    },
    usedBytes: () => used,
  };
}
