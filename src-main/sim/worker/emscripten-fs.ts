// The small part of Emscripten's FS object that the worker uses (the wasm module ships no types).

export interface FsNode {
  id: number;
  name: string;
  mode: number;
  parent: FsNode;
  mount: { opts: Record<string, unknown>; mountpoint: string };
  node_ops: Record<string, unknown>;
  stream_ops: Record<string, unknown>;
  rdev?: number;
}

export interface FsStream {
  node: FsNode;
  flags: number;
  position: number;
  path: string;
  /** Our host file descriptor, set by the host file system's open. */
  hostFd?: number;
}

export interface FsErrnoError extends Error {
  errno: number;
}

export interface EmscriptenFS {
  ErrnoError: new (errno: number) => FsErrnoError;
  createNode(parent: FsNode | null, name: string, mode: number, rdev: number): FsNode;
  mount(type: { mount: (m: { opts: Record<string, unknown> }) => FsNode }, opts: Record<string, unknown>, mountpoint: string): FsNode;
  mkdir(path: string, mode?: number): FsNode;
  mkdirTree(path: string, mode?: number): void;
  mkdev(path: string, mode: number, dev: number): FsNode;
  makedev(major: number, minor: number): number;
  registerDevice(dev: number, ops: Record<string, unknown>): void;
  unlink(path: string): void;
  isDir(mode: number): boolean;
  isFile(mode: number): boolean;
  analyzePath(path: string): { exists: boolean };
  devices: Record<number, unknown>;
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFMT = 0o170000;
export const O_ACCMODE = 3;
export const O_APPEND = 0o2000;
