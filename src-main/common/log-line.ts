// The log line format of MQBoard boards (board/lib/mqb_log.py, as the original):
// "<L> <time> <logger right-aligned in 8>: <text>", L one of C E W I D, the time in ms since
// boot or HH:MM:SS.mmm. A message may span lines (a traceback): the first line carries the
// header, the others continue the text. Anything else is kept whole with level '?'.
// Pure TypeScript (the renderer shows the same lines).

export type LogLevel = 'C' | 'E' | 'W' | 'I' | 'D' | '?';

export interface LogLine {
  /** When the console received it (ms since the epoch). */
  t: number;
  level: LogLevel;
  /** The board's time text. */
  time: string;
  logger: string;
  text: string;
}

/** Severity order; an unparsable line ranks as info so a level filter does not hide it. */
export const LEVEL_RANK: Record<LogLevel, number> = { C: 50, E: 40, W: 30, I: 20, D: 10, '?': 20 };
export const LEVEL_NAMES: Record<string, LogLevel> = {
  critical: 'C', c: 'C', error: 'E', e: 'E', warning: 'W', warn: 'W', w: 'W', info: 'I', i: 'I', debug: 'D', d: 'D',
};

const HEADER = /^([CEWID]) (\d+|\d\d:\d\d:\d\d(?:\.\d+)?) +([^\s:][^:\n]*)?: ?/;

export function parseLogLine(raw: string, t = 0): LogLine {
  const text = raw.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  const m = HEADER.exec(text);
  if (!m) return { t, level: '?', time: '', logger: '', text };
  return { t, level: m[1] as LogLevel, time: m[2]!, logger: (m[3] ?? '').trim(), text: text.slice(m[0].length) };
}

/** `--level warning` → 'W'; undefined for an unknown name. */
export function parseLevel(name: string): LogLevel | undefined {
  return LEVEL_NAMES[name.trim().toLowerCase()];
}

export function atLeast(line: Pick<LogLine, 'level'>, min: LogLevel): boolean {
  return LEVEL_RANK[line.level] >= LEVEL_RANK[min];
}

/** Back to the board's own format (archives, exports). */
export function formatLogLine(l: LogLine): string {
  if (l.level === '?') return l.text;
  return `${l.level} ${l.time} ${l.logger.padStart(8)}: ${l.text}`;
}

/** Board text made inert for a terminal (kept here for the modules that import it from the log format). */
export { visibleText } from './terminal-text.js';
