import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../common/log-line.js';
import { colorEnabled } from './cli-io.js';
import { renderLogLine } from './view-command.js';

describe('renderLogLine', () => {
  it('colors like the original viewer: C magenta bold, E red bold, W yellow bold, I green, D dim', () => {
    const colored = (raw: string) => renderLogLine(parseLogLine(raw), true);
    expect(colored('C 1     main: x')).toBe('\x1b[35;1mC 1     main: x\x1b[0m\n');
    expect(colored('E 1     main: x')).toBe('\x1b[31;1mE 1     main: x\x1b[0m\n');
    expect(colored('W 1     main: x')).toBe('\x1b[33;1mW 1     main: x\x1b[0m\n');
    expect(colored('I 1     main: x')).toBe('\x1b[32mI 1     main: x\x1b[0m\n');
    expect(colored('D 1     main: x')).toBe('\x1b[2mD 1     main: x\x1b[0m\n');
    expect(colored('not a log line')).toBe('not a log line\n');
  });
  it('prints plain text without color, with the board\'s escape sequences neutralised', () => {
    expect(renderLogLine(parseLogLine('E 1     main: \x1b[2J'), false)).toBe('E 1     main: \\x1b[2J\n');
  });
});

describe('colorEnabled', () => {
  it('colors a TTY unless NO_COLOR; FORCE_COLOR wins', () => {
    expect(colorEnabled({ env: {} }, { write: () => 0, isTTY: true })).toBe(true);
    expect(colorEnabled({ env: {} }, { write: () => 0, isTTY: false })).toBe(false);
    expect(colorEnabled({ env: { NO_COLOR: '1' } }, { write: () => 0, isTTY: true })).toBe(false);
    expect(colorEnabled({ env: { FORCE_COLOR: '1' } }, { write: () => 0, isTTY: false })).toBe(true);
  });
});

describe('renderLogLine and multi-line messages', () => {
  it('marks continuation lines so a board cannot fake another log line with \\n', () => {
    const line = parseLogLine('I 1     main: fine\nE 2     auth: login failed for root');
    expect(renderLogLine(line, false)).toBe('I 1     main: fine\n  | E 2     auth: login failed for root\n');
    expect(renderLogLine(parseLogLine('no header\nE 2 x: y'), false)).toBe('no header\n  | E 2 x: y\n');
  });
});
