import { describe, expect, it } from 'vitest';
import { applyCompletion, editLine, emptyLine, splitKeys } from './line-editor.js';
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
