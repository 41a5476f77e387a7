import { describe, expect, it } from 'vitest';
import { FakeRepl } from '../testing/fake-repl.js';
import { applyCompletion, atPrompt, editLine, emptyLine, splitKeys } from './line-editor.js';
import type { LineState } from './line-editor.js';

const type = (s: LineState, ...keys: string[]) => keys.reduce((st, k) => editLine(st, k).state, s);

describe('line editor', () => {
  it('inserts typed text at the cursor and moves with arrows, Home and End', () => {
    let s = type(emptyLine(), 'prnt(1)');
    s = type(s, '\x1b[D', '\x1b[D', '\x1b[D', '\x1b[D', '\x1b[D');
    s = type(s, 'i');
    expect(s.line).toBe('print(1)');
    expect(s.cursor).toBe(3);
    s = type(s, '\x1b[H');
    expect(s.cursor).toBe(0);
    s = type(s, '\x1b[F');
    expect(s.cursor).toBe(8);
  });

  it('deletes with backspace and delete, and rings the bell at the start', () => {
    let s = type(emptyLine(), 'abcd', '\x7f');
    expect(s.line).toBe('abc');
    s = type(s, '\x01', '\x1b[3~');
    expect(s.line).toBe('bc');
    expect(editLine(s, '\x7f').effects).toEqual([{ kind: 'bell' }]);
  });

  it('submits the line with Enter and keeps it in the history (no duplicates, no blanks)', () => {
    const r = editLine(type(emptyLine(), 'x = 1'), '\r');
    expect(r.effects).toContainEqual({ kind: 'submit', text: 'x = 1\n', paste: false });
    let s = type(r.state, 'x = 1', '\r', '   ', '\r');
    expect(s.history).toEqual(['x = 1']);
    s = type(s, 'y', '\r');
    expect(s.history).toEqual(['x = 1', 'y']);
  });

  it('browses the history with up and down and brings back the draft', () => {
    let s = type(emptyLine(), 'a', '\r', 'b', '\r', 'dra');
    s = type(s, '\x1b[A');
    expect(s.line).toBe('b');
    s = type(s, '\x1b[A', '\x1b[A');
    expect(s.line).toBe('a');
    s = type(s, '\x1b[B');
    expect(s.line).toBe('b');
    s = type(s, '\x1b[B');
    expect(s.line).toBe('dra');
    expect(s.browsing).toBeNull();
  });

  it('sends a multi-line paste as one input, ending with a newline', () => {
    const s = type(emptyLine(), 'x = 1; ');
    const r = editLine(s, 'for i in range(3):\r    print(i)');
    expect(r.effects).toEqual([{ kind: 'submit', text: 'x = 1; for i in range(3):\n    print(i)\n', paste: true }]);
    expect(r.state.line).toBe('');
  });

  it('turns Ctrl-C into an interrupt that drops the line, and Tab into a completion request', () => {
    const r = editLine(type(emptyLine(), 'while True'), '\x03');
    expect(r.effects).toEqual([{ kind: 'interrupt' }]);
    expect(r.state.line).toBe('');
    const t = editLine(type(emptyLine(), 'mach'), '\t');
    expect(t.effects).toContainEqual({ kind: 'complete', line: 'mach' });
  });

  it('splits escape sequences, control characters and text runs', () => {
    expect(splitKeys('ab\x1b[Ac\x7f\x1bOH')).toEqual(['ab', '\x1b[A', 'c', '\x7f', '\x1bOH']);
  });

  it('completes the common part of the matches and lists them when several remain', () => {
    const s = type(emptyLine(), 'machine.re');
    const one = applyCompletion(s, 'machine.re', 'machine.re', ['reset']);
    expect(one.state.line).toBe('machine.reset');
    expect(one.candidates).toEqual([]);
    const two = applyCompletion(type(emptyLine(), 'ti'), 'ti', 'ti', ['time', 'timer']);
    expect(two.state.line).toBe('time');
    expect(two.candidates).toEqual(['time', 'timer']);
    expect(applyCompletion(s, 'machine.re', 'machine.re', []).state).toBe(s);
  });
});

/** The web terminal's loop without xterm: keys through the editor, what it submits to the fake
 * board REPL (which collects blocks as the board does), the board's prompts back into the editor. */
function terminal() {
  let st = emptyLine();
  let out = '';
  const inputs: string[] = [];
  const repl = new FakeRepl((kind, text) => {
    if (kind === 'out') out += text;
    if (kind === 'prompt') st = atPrompt(st, text);
  });
  return {
    keys(...keys: string[]) {
      for (const k of keys) {
        const r = editLine(st, k);
        st = r.state;
        for (const fx of r.effects) {
          if (fx.kind !== 'submit') continue;
          inputs.push(fx.text);
          repl.input(fx.text);
        }
      }
    },
    line: () => st.line,
    out: () => out,
    inputs,
  };
}

describe('line editor: auto-indent like the serial REPL', () => {
  it('indents after a ":", keeps the indent, and Enter on the indent-only line runs the block once', () => {
    const t = terminal();
    t.keys('for i in range(3):', '\r');
    expect(t.line()).toBe('    ');
    t.keys('print(i)', '\r');
    expect(t.line()).toBe('    ');
    expect(t.out()).toBe('');
    t.keys('\r');
    expect(t.out()).toBe('0\n1\n2\n');
    expect(t.inputs).toEqual(['for i in range(3):\n', '    print(i)\n', '    \n']);
    expect(t.line()).toBe(''); // back at ">>> ": no indent
  });

  it('nests: one more level after each ":", Backspace in the indent removes a whole level', () => {
    const t = terminal();
    t.keys('for i in range(2):', '\r', 'if i:', '\r');
    expect(t.line()).toBe('        ');
    t.keys('print(i)', '\r');
    expect(t.line()).toBe('        ');
    t.keys('\x7f');
    expect(t.line()).toBe('    ');
    t.keys('else:', '\r', 'pass', '\r', '\x7f', '\x7f');
    expect(t.line()).toBe('');
    expect(t.inputs).toEqual(['for i in range(2):\n', '    if i:\n', '        print(i)\n', '    else:\n', '        pass\n']);
    // Only a run of spaces before the cursor goes by levels; anything else by one character.
    expect(type(emptyLine(), '      ', '\x7f').line).toBe('  ');
    expect(type(emptyLine(), '  x  ', '\x7f').line).toBe('  x ');
  });

  it('Tab after whitespace indents instead of completing', () => {
    const r = editLine(type(emptyLine(), '    '), '\t');
    expect(r.state.line).toBe('        ');
    expect(r.effects).not.toContainEqual(expect.objectContaining({ kind: 'complete' }));
  });

  it('a typed line at column 0 stays in the block: one error, nothing runs twice', () => {
    const t = terminal();
    t.keys('for i in range(3):', '\r', '\x7f', 'print(i)', '\r', '\x7f', '\r');
    expect(t.inputs).toEqual(['for i in range(3):\n', 'print(i)\n', '\n']);
    expect(t.out()).toBe('Traceback (most recent call last):\n  File "<stdin>", line 2\nSyntaxError: invalid syntax\n');
  });

  it('a paste keeps the paste rule (a line back at column 0 ends the block) and is not indented', () => {
    const t = terminal();
    t.keys('for i in range(2):\r    print(i)\rprint(9)\r');
    expect(t.inputs).toEqual(['for i in range(2):\n    print(i)\nprint(9)\n']);
    expect(t.out()).toBe('0\n1\n9\n');
    expect(t.line()).toBe('');
    // A paste that leaves a block open: the next line is indented after its last line.
    t.keys('for i in range(2):\r    print(i * 10)\r');
    expect(t.line()).toBe('    ');
    t.keys('\r');
    expect(t.out()).toBe('0\n1\n9\n0\n10\n');
  });

  it('keys typed ahead keep their line: no indent is added to them', () => {
    const s = type(emptyLine([], 'for i in x:'), 'pr');
    expect(atPrompt(s, '... ').line).toBe('pr');
    expect(atPrompt(emptyLine([], 'for i in x:'), '>>> ').line).toBe('');
  });
});
