import { describe, expect, it } from 'vitest';
import { atLeast, formatLogLine, parseLevel, parseLogLine, visibleText } from './log-line.js';

describe('parseLogLine', () => {
  it('parses the board format with ms-since-boot and clock times', () => {
    expect(parseLogLine('I 12345     main: MQBoard sim/sim-01, normal mode', 7)).toEqual({ t: 7, level: 'I', time: '12345', logger: 'main', text: 'MQBoard sim/sim-01, normal mode' });
    expect(parseLogLine('W 13:04:05.123 watchdog: late: 3 s')).toMatchObject({ level: 'W', time: '13:04:05.123', logger: 'watchdog', text: 'late: 3 s' });
  });
  it('keeps the continuation lines of a multi-line message in the text', () => {
    const l = parseLogLine('E 99      cmd: Traceback (most recent call last):\n  File "x", line 1\nZeroDivisionError: divide by zero\n');
    expect(l.level).toBe('E');
    expect(l.logger).toBe('cmd');
    expect(l.text.split('\n')).toHaveLength(3);
    expect(l.text.endsWith('divide by zero')).toBe(true);
  });
  it('keeps foreign lines whole with level ?', () => {
    expect(parseLogLine('hello world')).toMatchObject({ level: '?', text: 'hello world', logger: '' });
    expect(parseLogLine('X 1 foo: bar').level).toBe('?');
  });
  it('round-trips through formatLogLine', () => {
    const raw = 'D 100      net: wifi up';
    expect(formatLogLine(parseLogLine(raw))).toBe(raw);
  });
});

describe('levels', () => {
  it('parses level names and compares severities', () => {
    expect(parseLevel('warning')).toBe('W');
    expect(parseLevel('E')).toBe('E');
    expect(parseLevel('loud')).toBeUndefined();
    expect(atLeast({ level: 'E' }, 'W')).toBe(true);
    expect(atLeast({ level: 'I' }, 'W')).toBe(false);
    expect(atLeast({ level: '?' }, 'I')).toBe(true);
  });
});

describe('visibleText', () => {
  it('neutralises terminal escape sequences but keeps newlines and tabs', () => {
    expect(visibleText('a\x1b]0;pwned\x07b\n\tc')).toBe('a\\x1b]0;pwned\\x07b\n\tc');
  });
});
