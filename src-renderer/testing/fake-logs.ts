// Log lines for the fake console: a plausible mix of levels and loggers, sometimes a traceback.
import type { LogLine } from '../../src-main/common/contract.js';

const LOGGERS = ['main', 'mqtt', 'blinky', 'wdt', 'net', 'sensor'];
const INFO = ['publish ok', 'sensor read 21.5C', 'heartbeat', 'ntp sync done', 'queue depth 0', 'led toggled'];

export class LogGenerator {
  private n = 0;

  constructor(private readonly seed: number) {}

  next(now: number): LogLine {
    const n = this.n++;
    const k = (n * 7 + this.seed * 13) % 100;
    const level: LogLine['level'] = k < 2 ? 'C' : k < 6 ? 'E' : k < 16 ? 'W' : k < 70 ? 'I' : 'D';
    const logger = LOGGERS[(n + this.seed) % LOGGERS.length]!;
    const ms = 1000 + n * 100 + this.seed;
    const text =
      level === 'E' && n % 3 === 0
        ? `task ${logger} failed\nTraceback (most recent call last):\n  File "${logger}.py", line ${10 + (n % 40)}, in run\nOSError: [Errno 113] EHOSTUNREACH`
        : level === 'C'
          ? `watchdog: ${logger} stalled for 30 s`
          : level === 'W'
            ? `slow ${logger} round trip: ${200 + (n % 800)} ms`
            : `${INFO[n % INFO.length]} #${n}`;
    return { t: now, level, time: String(ms), logger, text };
  }

  backlog(count: number, now: number): LogLine[] {
    const out: LogLine[] = [];
    for (let i = 0; i < count; i++) out.push(this.next(now - (count - i) * 100));
    return out;
  }
}
