// `mqboard view`: a board's log lines as they arrive, colored by severity like the original
// viewer (C magenta bold, E red bold, W yellow bold, I green, D dim), filtered by level and text.
import type { Command } from 'commander';
import { MqbError } from '../common/errors.js';
import { atLeast, formatLogLine, parseLevel, visibleText } from '../common/log-line.js';
import type { LogLevel, LogLine } from '../common/log-line.js';
import type { CliIo } from './cli-io.js';
import { colorEnabled } from './cli-io.js';
import { addConnectionOptions, boardWaitMs, optionsOf, requirePrefix, withEngine } from './cli-context.js';

export const LEVEL_COLORS: Record<LogLevel, string> = {
  C: '\x1b[35;1m',
  E: '\x1b[31;1m',
  W: '\x1b[33;1m',
  I: '\x1b[32m',
  D: '\x1b[2m',
  '?': '',
};

/** Marks the continuation lines of a multi-line message: a board cannot fake another log line with \n. */
export const CONTINUATION = '  | ';

export function renderLogLine(line: LogLine, color: boolean): string {
  const text = visibleText(formatLogLine(line)).replace(/\n/g, `\n${CONTINUATION}`);
  const c = color ? LEVEL_COLORS[line.level] : '';
  return c ? `${c}${text}\x1b[0m\n` : `${text}\n`;
}

interface ViewOptions {
  follow?: boolean;
  level?: string;
  grep?: string;
  count?: string;
  duration?: string;
  archive?: string;
}

const DEFAULT_DURATION_S = 10;

export function registerViewCommand(program: Command, io: CliIo): void {
  addConnectionOptions(program.command('view').description('show the board\'s log lines as they arrive (not retained: only new lines)'))
    .option('-f, --follow', 'keep showing lines until Ctrl-C')
    .option('-l, --level <level>', 'lowest severity shown: debug, info, warning, error, critical')
    .option('-g, --grep <regex>', 'only lines matching this regular expression')
    .option('-n, --count <lines>', 'stop after this many lines')
    .option('-d, --duration <seconds>', `without --follow: stop after this long (default ${DEFAULT_DURATION_S})`)
    .option('-a, --archive <file>', 'also append every line received (unfiltered, with its receive time) to this file')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd) as ReturnType<typeof optionsOf> & ViewOptions;
      const min = opts.level === undefined ? 'D' : parseLevel(opts.level);
      if (!min) throw new MqbError('USAGE', `unknown level "${opts.level}" (debug, info, warning, error, critical)`);
      let grep: RegExp | undefined;
      try {
        grep = opts.grep === undefined ? undefined : new RegExp(opts.grep);
      } catch (e) {
        throw new MqbError('USAGE', `--grep: ${(e as Error).message}`);
      }
      const count = opts.count === undefined ? Infinity : Number(opts.count);
      const durationS = opts.follow ? Infinity : opts.duration === undefined ? DEFAULT_DURATION_S : Number(opts.duration);
      if (!(count > 0) || !(durationS > 0)) throw new MqbError('USAGE', '--count and --duration take positive numbers');
      const color = colorEnabled(io, io.stdout);
      await withEngine(opts, io, async ({ engine, conn }) => {
        const prefix = requirePrefix(conn);
        const stream = engine.logs(conn.profile.id, prefix, opts.archive ? { archive: opts.archive } : {});
        stream.on('archive-error', (e) => io.stderr.write(`mqboard: writing ${opts.archive} failed, no longer archiving: ${e.message}\n`));
        let shown = 0;
        await new Promise<void>((resolve, reject) => {
          const timer = durationS === Infinity ? undefined : setTimeout(finish, durationS * 1000);
          const removeInterrupt = io.onInterrupt(finish);
          function finish() {
            clearTimeout(timer);
            removeInterrupt();
            stream.off('line', onLine);
            resolve();
          }
          function onLine(line: LogLine) {
            if (!atLeast(line, min!) || (grep && !grep.test(line.text) && !grep.test(line.logger))) return;
            io.stdout.write(renderLogLine(line, color));
            if (++shown >= count) finish();
          }
          stream.on('line', onLine);
          void stream.start().then(async () => {
            // Not required (the board may be booting), but a typo in the prefix deserves a word.
            const known = await engine.registry(conn.profile.id).waitFor(prefix, boardWaitMs(conn)).catch(() => undefined);
            if (!known) io.stderr.write(`mqboard: warning: no status from "${prefix}" yet; showing its log lines when they come\n`);
            else if (!known.status?.online) io.stderr.write(`mqboard: ${prefix} is offline; showing its log lines when it is back\n`);
          }, (err: unknown) => {
            reject(err as Error); // before finish(), which resolves
            finish();
          });
        });
      });
    });
}
