// The Python of the fake original-firmware board (original-board.ts): just enough to answer what
// a console sends through eval. A lone expression is evaluated as an expression (its repr is the
// reply; what it prints goes to the serial console, as on the original firmware); anything else
// runs as statements, one per line (the reply is what they printed). Expressions: integers,
// strings, True/False/None, + - * // %, parentheses, print(), len(), str(), machine.reset() and
// machine.soft_reset(). The console's file-system snippets (core/fs-snippets.ts) are recognised
// whole and run against the in-memory file system; other code gets the errors MicroPython gives.
import { createHash } from 'node:crypto';
import { V1_SNIPPETS } from '../core/fs-snippets.js';
import { FsError } from './original-fs.js';
import type { OriginalFs } from './original-fs.js';

export interface EvalResult {
  output: string;
  serial: string[];
  /** The error line of the traceback (e.g. "NameError: name 'x' isn't defined"). */
  error?: string;
  reset?: boolean;
}

type Value = number | string | boolean | null;

class PyError extends Error {}
class ResetRequested extends Error {}

const TOKEN = /\s*(?:(\d+)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|([A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*)|(\/\/|[-+*%(),]))/y;
const MODULES = new Set(['machine', 'os', 'gc', 'time', 'json', 'errno']);

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(src);
    if (!m) throw new PyError('SyntaxError: invalid syntax');
    out.push(m[0].trim());
  }
  return out;
}

const str = (v: Value): string => (v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : String(v));
const repr = (v: Value): string => (typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : str(v));

/** Parses and evaluates one expression; `print` is where print() writes. */
class Expr {
  private at = 0;
  constructor(
    private readonly toks: string[],
    private readonly print: (line: string) => void,
    private readonly call: Record<string, (args: Value[]) => Value>,
  ) {}

  run(): Value {
    const v = this.sum();
    if (this.at !== this.toks.length) throw new PyError('SyntaxError: invalid syntax');
    return v;
  }

  private peek = () => this.toks[this.at];
  private take = () => this.toks[this.at++];

  private sum(): Value {
    let v = this.product();
    while (this.peek() === '+' || this.peek() === '-') {
      const op = this.take();
      const r = this.product();
      if (op === '+' && typeof v === 'string' && typeof r === 'string') v = v + r;
      else v = op === '+' ? num(v) + num(r) : num(v) - num(r);
    }
    return v;
  }

  private product(): Value {
    let v = this.unary();
    while (this.peek() === '*' || this.peek() === '//' || this.peek() === '%') {
      const op = this.take();
      const r = this.unary();
      if (op === '*' && typeof v === 'string') v = v.repeat(Math.max(0, num(r)));
      else if (op === '*') v = num(v) * num(r);
      else if (num(r) === 0) throw new PyError('ZeroDivisionError: divide by zero');
      else v = op === '//' ? Math.floor(num(v) / num(r)) : ((num(v) % num(r)) + num(r)) % num(r);
    }
    return v;
  }

  private unary(): Value {
    if (this.peek() === '-') {
      this.take();
      return -num(this.unary());
    }
    return this.primary();
  }

  private primary(): Value {
    const t = this.take();
    if (t === undefined) throw new PyError('SyntaxError: invalid syntax');
    if (/^\d/.test(t)) return Number(t);
    if (t[0] === '"') return JSON.parse(t) as string;
    if (t[0] === "'") return t.slice(1, -1).replace(/\\(.)/g, '$1');
    if (t === '(') {
      const v = this.sum();
      if (this.take() !== ')') throw new PyError('SyntaxError: invalid syntax');
      return v;
    }
    if (t === 'True' || t === 'False') return t === 'True';
    if (t === 'None') return null;
    if (!/^[A-Za-z_]/.test(t)) throw new PyError('SyntaxError: invalid syntax');
    if (this.peek() !== '(') throw new PyError(`NameError: name '${t}' isn't defined`);
    this.take();
    const args: Value[] = [];
    while (this.peek() !== ')') {
      args.push(this.sum());
      if (this.peek() === ',') this.take();
      else if (this.peek() !== ')') throw new PyError('SyntaxError: invalid syntax');
    }
    this.take();
    if (t === 'print') {
      this.print(`${args.map(str).join(' ')}\n`);
      return null;
    }
    const fn = this.call[t];
    if (!fn) throw new PyError(`NameError: name '${t.split('.')[0]}' isn't defined`);
    return fn(args);
  }
}

function num(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PyError("TypeError: unsupported types for operation");
}

const BUILTINS: Record<string, (args: Value[]) => Value> = {
  len: ([v]) => (typeof v === 'string' ? v.length : (() => { throw new PyError("TypeError: object of type has no len()"); })()),
  str: ([v]) => str(v ?? ''),
  'machine.reset': () => {
    throw new ResetRequested();
  },
  'machine.soft_reset': () => {
    throw new ResetRequested();
  },
};

/** What eval on the original firmware does with `source`. */
export function runOriginalEval(source: string, fs: OriginalFs): EvalResult {
  const serial: string[] = [];
  let output = '';
  try {
    const snippet = runSnippet(source, fs);
    if (snippet !== undefined) return { output: snippet, serial };
    const lines = source.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    if (lines.length === 1 && !/^\s*(import|pass)\b/.test(lines[0]!)) {
      // A lone expression: the reply is its value; its prints go to the serial console.
      const value = new Expr(tokenize(lines[0]!), (l) => serial.push(l), BUILTINS).run();
      return { output: repr(value), serial };
    }
    for (const line of lines) {
      if (/^\s/.test(line)) throw new PyError('IndentationError: unexpected indent');
      const s = line.trim();
      if (s === 'pass') continue;
      const imp = /^import ([\w, ]+)$/.exec(s);
      if (imp) {
        const missing = imp[1]!.split(',').map((m) => m.trim()).find((m) => !MODULES.has(m));
        if (missing) throw new PyError(`ImportError: no module named '${missing}'`);
        continue;
      }
      new Expr(tokenize(s), (l) => (output += l), BUILTINS).run();
    }
    return { output, serial };
  } catch (e) {
    if (e instanceof ResetRequested) return { output, serial, reset: true };
    if (e instanceof PyError) return { output, serial, error: e.message };
    throw e;
  }
}

/** The console's file-system snippets, recognised whole: the printed JSON line, or undefined. */
function runSnippet(source: string, fs: OriginalFs): string | undefined {
  for (const [name, body] of Object.entries(V1_SNIPPETS)) {
    const call = `${body}\n_mqb_run(`;
    if (!source.startsWith(call) || !source.endsWith(')')) continue;
    const args: Value[] = [];
    new Expr(tokenize(source.slice(body.length + 1)), () => {}, { _mqb_run: (a) => (args.push(...a), null) }).run();
    try {
      return `${JSON.stringify(fsOp(name as keyof typeof V1_SNIPPETS, args, fs))}\n`;
    } catch (e) {
      if (e instanceof FsError) return `${JSON.stringify({ err: e.errno })}\n`;
      throw e;
    }
  }
  return undefined;
}

const MTIME = 1_700_000_000;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function fsOp(name: keyof typeof V1_SNIPPETS, args: Value[], fs: OriginalFs): unknown {
  const [a, b, c] = args;
  const path = String(a);
  switch (name) {
    case 'ls': {
      const out: unknown[] = [];
      const walk = (dir: string, pre: string) => {
        for (const e of fs.list(dir)) {
          const p = `${dir.replace(/\/$/, '')}/${e.name}`;
          if (e.dir) {
            out.push({ name: pre + e.name, type: 'd', size: 0, mtime: 0 });
            if (b === true) walk(p, `${pre}${e.name}/`);
          } else out.push({ name: pre + e.name, type: 'f', size: e.size, mtime: MTIME, ...(c === true && { sha256: sha256(fs.read(p)) }) });
        }
      };
      walk(path, '');
      return out;
    }
    case 'stat': {
      if (fs.isDir(path)) return { type: 'd', size: 0, mtime: MTIME };
      const data = fs.read(path);
      return { type: 'f', size: data.length, mtime: MTIME, ...(b === true && { sha256: sha256(data) }) };
    }
    case 'mkdir':
      if (!fs.isDir(path)) fs.mkdir(path);
      return 'OK';
    case 'rm':
      if (fs.isDir(path)) return { err: 'EISDIR' };
      fs.remove(path);
      return 'OK';
    case 'rmdir':
      if (b === true) removeTree(fs, path);
      else fs.rmdir(path);
      return 'OK';
    case 'mv':
      fs.rename(path, String(b));
      return 'OK';
    case 'df': {
      const s = fs.statvfs();
      return { total: s.total, free: s.free, block: s.block };
    }
  }
}

function removeTree(fs: OriginalFs, dir: string): void {
  for (const e of fs.list(dir)) {
    const p = `${dir.replace(/\/$/, '')}/${e.name}`;
    if (e.dir) removeTree(fs, p);
    else fs.remove(p);
  }
  fs.rmdir(dir);
}
