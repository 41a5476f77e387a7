// Log lines for the fake console: a plausible mix of levels and loggers, sometimes a traceback.
// Like the real engine (src-main/core/log-history.ts) it keeps what each board logged since the
// console connected, starting with the board's boot log, so a pane opened late shows it.
import type { LogLine } from '../../src-main/common/contract.js';

const LOGGERS = ['main', 'mqtt', 'blinky', 'wdt', 'net', 'sensor'];
const INFO = ['publish ok', 'sensor read 21.5C', 'heartbeat', 'ntp sync done', 'queue depth 0', 'led toggled'];

/** Lines kept per board, as the engine's per-board cap. */
export const FAKE_HISTORY_LINES = 300;

export class LogGenerator {
  private n = 0;
  private kept: LogLine[] | undefined;

  constructor(
    private readonly seed: number,
    private readonly bootedAt = Date.now(),
  ) {}

  /** What the board logged since the console connected (its boot first), oldest first. */
  history(): LogLine[] {
    this.kept ??= this.bootLog();
    return [...this.kept];
  }

  /** A live line; kept in the history once the history is in use (cheap for idle boards). */
  live(now: number): LogLine {
    const line = this.next(now);
    if (this.kept) {
      this.kept.push(line);
      if (this.kept.length > FAKE_HISTORY_LINES) this.kept.splice(0, this.kept.length - FAKE_HISTORY_LINES);
    }
    return line;
  }

  private bootLog(): LogLine[] {
    const t = this.bootedAt;
    const boot = (ms: number, logger: string, text: string): LogLine => ({ t, level: 'I', time: String(ms), logger, text });
    return [boot(312, 'main', 'mqboard booting (boot 3)'), boot(845, 'wifi', 'connected, ip 10.0.0.' + (this.seed % 250)), boot(1210, 'mqtt', 'connected to the broker'), ...this.backlog(20, t)];
  }

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
