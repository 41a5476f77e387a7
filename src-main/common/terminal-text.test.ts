import { describe, expect, it } from 'vitest';
import { TerminalFilter, terminalText, visibleText } from './terminal-text.js';

describe('visibleText (eval/exec output, errors, listings)', () => {
  it('keeps printable text, newlines and tabs', () => {
    expect(visibleText('héllo wörld ✓\n\tnext')).toBe('héllo wörld ✓\n\tnext');
  });
  it('shows OSC (title, clipboard, link), CSI, BEL, CR, DEL and C1 controls escaped', () => {
    expect(visibleText('a\x1b]0;pwned\x07b')).toBe('a\\x1b]0;pwned\\x07b');
    expect(visibleText('\x1b]52;c;cm0gLXJmIH4=\x1b\\')).toBe('\\x1b]52;c;cm0gLXJmIH4=\\x1b\\');
    expect(visibleText('\x1b]8;;https://evil\x1b\\click\x1b]8;;\x1b\\')).not.toMatch(/\x1b/); // eslint-disable-line no-control-regex
    expect(visibleText('\x1b[2J\x1b[H')).toBe('\\x1b[2J\\x1b[H');
    expect(visibleText('ok\rFAKE\x7f\x9b31m\x9d0;t\x9c')).toBe('ok\\x0dFAKE\\x7f\\x9b31m\\x9d0;t\\x9c');
  });
});

describe('TerminalFilter (the REPL)', () => {
  it('passes colours, cursor movement, erase and two-character sequences', () => {
    const s = '\x1b[32mok\x1b[0m\r\n\x1b[2K\x1b[3D\x1b[?25l\x1b7\x1b8\x1b(B\b';
    expect(terminalText(s)).toBe(s);
  });
  it('strips OSC 52 (clipboard), OSC 0/2 (title) and OSC 8 (links): shown escaped', () => {
    expect(terminalText('a\x1b]52;c;aGk=\x07b')).toBe('a\\x1b]52;c;aGk=\\x07b');
    expect(terminalText('\x1b]0;pwned\x1b\\x')).toBe('\\x1b]0;pwned\\x1b\\x');
    expect(terminalText('\x1b]2;pwned\x9cx')).toBe('\\x1b]2;pwned\\x9cx');
    expect(terminalText('\x1b]8;;file:///etc\x07here\x1b]8;;\x07')).toBe('\\x1b]8;;file:///etc\\x07here\\x1b]8;;\\x07');
  });
  it('strips DCS/APC strings, window operations, C1 controls, BEL and other C0 controls', () => {
    expect(terminalText('\x1bP+q544e\x1b\\')).toBe('\\x1bP+q544e\\x1b\\');
    expect(terminalText('\x1b[21t\x1b[8;1;1t')).toBe('\\x1b[21t\\x1b[8;1;1t');
    expect(terminalText('\x9b2J\x9d0;x\x07\x00\x05')).toBe('\\x9b2J\\x9d0;x\\x07\\x00\\x05');
    expect(terminalText('\x1b\x07')).toBe('\\x1b\\x07');
  });
  it('holds a sequence split across chunks until it is complete', () => {
    const f = new TerminalFilter();
    expect(f.push('a\x1b]5')).toBe('a');
    expect(f.push('2;c;aGk=')).toBe('');
    expect(f.push('\x07b\x1b[3')).toBe('\\x1b]52;c;aGk=\\x07b');
    expect(f.push('1mred')).toBe('\x1b[31mred');
    expect(f.push('\x1b')).toBe('');
    expect(f.end()).toBe('\\x1b');
  });
  it('does not wait forever for an unterminated string', () => {
    const f = new TerminalFilter();
    const out = f.push(`\x1b]0;${'x'.repeat(5000)}`) + f.push('\x07');
    expect(out).not.toMatch(/\x1b/); // eslint-disable-line no-control-regex
    expect(out.startsWith('\\x1b]0;xxx')).toBe(true);
  });
});
