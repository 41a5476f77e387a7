// A toy Python REPL for the fake console: enough to exercise the terminal (prompts, blocks
// collected as the board does it, print and integer arithmetic, a loop, a long-running statement
// that Ctrl-C interrupts, completion). Not Python: the real one runs on the virtual board.
// Blocks follow board/lib/mqb_tty.py: a typed line (one line per input) ends a block when it is
// empty or indent-only; in a paste an empty line or a line back at column 0 ends it.

export type ReplOutput = (kind: 'out' | 'prompt' | 'end', text: string) => void;

const NAMES = ['print', 'range', 'len', 'import', 'machine', 'micropython', 'board', 'gc', 'time'];
const ATTRS: Record<string, string[]> = { machine: ['Pin', 'reset', 'freq', 'unique_id'], time: ['sleep', 'sleep_ms', 'ticks_ms'], gc: ['collect', 'mem_free'] };

/** Integer arithmetic with + - * // % ( ) and variables. */
function evalExpr(src: string, vars: Record<string, number>): number {
  const tokens = src.match(/\d+|[A-Za-z_]\w*|\/\/|[-+*%()]/g) ?? [];
  let i = 0;
  const atom = (): number => {
    const t = tokens[i++];
    if (t === '(') {
      const v = sum();
      i++;
      return v;
    }
    if (t === '-') return -atom();
    if (t !== undefined && /^\d+$/.test(t)) return Number(t);
    if (t !== undefined && t in vars) return vars[t]!;
    throw new Error(`NameError: name '${t ?? ''}' isn't defined`);
  };
  const product = (): number => {
    let v = atom();
    while (tokens[i] === '*' || tokens[i] === '//' || tokens[i] === '%') {
      const op = tokens[i++];
      const r = atom();
      v = op === '*' ? v * r : op === '//' ? Math.floor(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (i !== tokens.length) throw new Error('SyntaxError: invalid syntax');
  return v;
}

function printArg(arg: string, vars: Record<string, number>): string {
  const s = arg.trim();
  const q = /^(['"])(.*)\1$/.exec(s);
  return q ? q[2]! : String(evalExpr(s, vars));
}

export class FakeRepl {
  private block: string[] = [];
  private running: ReturnType<typeof setTimeout> | null = null;
  private ended = false;
  readonly vars: Record<string, number> = {};

  constructor(private readonly out: ReplOutput) {
    setTimeout(() => out('prompt', '>>> '), 0);
  }

  input(text: string): void {
    if (this.ended || this.running) return;
    const lines = text.replace(/\n$/, '').split('\n');
    for (const line of lines) this.line(line, lines.length === 1);
    if (!this.running) this.out('prompt', this.block.length ? '... ' : '>>> ');
  }

  private line(line: string, typed: boolean): void {
    if (this.block.length) {
      const backAtColumn0 = !typed && /^[^\s#]/.test(line) && !/^(else|elif|except|finally)\b/.test(line);
      const ends = typed ? line.trim() === '' : line === '' || backAtColumn0;
      if (!ends) return void this.block.push(line);
      const block = this.block;
      this.block = [];
      this.runBlock(block);
      if (!backAtColumn0) return;
    }
    if (line.trim().endsWith(':')) {
      this.block = [line];
      return;
    }
    if (line.trim()) this.run(line.trim(), this.vars);
  }

  private run(stmt: string, vars: Record<string, number>): void {
    try {
      const sleep = /^time\.sleep\((\d+)\)$/.exec(stmt);
      const print = /^print\((.*)\)$/.exec(stmt);
      const assign = /^([A-Za-z_]\w*)\s*=\s*(.+)$/.exec(stmt);
      if (sleep) this.longRun(Number(sleep[1]) * 1000);
      else if (print) this.out('out', `${print[1]!.split(',').map((a) => printArg(a, vars)).join(' ')}\n`);
      else if (assign) vars[assign[1]!] = evalExpr(assign[2]!, vars);
      else if (stmt.startsWith('import ')) return;
      else this.out('out', `${evalExpr(stmt, vars)}\n`);
    } catch (e) {
      this.out('out', `Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n${(e as Error).message}\n`);
    }
  }

  private runBlock(block: string[]): void {
    const head = block[0]!.trim();
    if (block.slice(1).some((l) => !/^\s/.test(l))) {
      this.out('out', 'Traceback (most recent call last):\n  File "<stdin>", line 2\nSyntaxError: invalid syntax\n');
      return;
    }
    const body = block.slice(1).map((l) => l.trim());
    const loop = /^for\s+(\w+)\s+in\s+range\((\d+)\):$/.exec(head);
    if (/^while\s+True:$/.test(head)) return this.longRun(Number.POSITIVE_INFINITY);
    if (!loop) {
      this.out('out', 'SyntaxError: the fake REPL only runs "for x in range(n):" and "while True:" blocks\n');
      return;
    }
    for (let i = 0; i < Number(loop[2]); i++) for (const stmt of body) this.run(stmt, { ...this.vars, [loop[1]!]: i });
  }

  private longRun(ms: number): void {
    this.running = setTimeout(
      () => {
        this.running = null;
        this.out('prompt', '>>> ');
      },
      Number.isFinite(ms) ? ms : 2 ** 31 - 1,
    );
  }

  interrupt(): void {
    this.block = [];
    if (this.running) {
      clearTimeout(this.running);
      this.running = null;
      this.out('out', 'Traceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nKeyboardInterrupt: \n');
    }
    this.out('prompt', '>>> ');
  }

  complete(line: string): { prefix: string; matches: string[] } {
    const word = /[\w.]*$/.exec(line)?.[0] ?? '';
    const dot = word.lastIndexOf('.');
    if (dot >= 0) {
      const attr = word.slice(dot + 1);
      return { prefix: word, matches: (ATTRS[word.slice(0, dot)] ?? []).filter((a) => a.startsWith(attr)) };
    }
    return { prefix: word, matches: NAMES.filter((n) => n.startsWith(word)) };
  }

  close(): void {
    if (this.running) clearTimeout(this.running);
    this.ended = true;
  }
}
