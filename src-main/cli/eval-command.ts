// `mqboard eval <code>` and `mqboard exec <file>|-c <code>`: Python on the board, its output
// streamed to stdout as the board sends it (v2 boards flush every 1 KB while the code runs).
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { MqbError } from '../common/errors.js';
import { visibleText } from '../common/terminal-text.js';
import type { BoardClient } from '../core/board-client.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, optionsOf, printJson, withBoard } from './cli-context.js';
import type { GlobalOptions } from './cli-context.js';

/**
 * Board output made safe for a terminal: CR-LF made plain (a CR at the end of a message waits for
 * the next one), every other control character and escape sequence shown escaped.
 */
class OutputEcho {
  private cr = false;
  constructor(private readonly out: CliIo['stdout']) {}
  write(part: string): void {
    let text = (this.cr ? '\r' : '') + part;
    this.cr = text.endsWith('\r');
    if (this.cr) text = text.slice(0, -1);
    if (text) this.out.write(visibleText(text.replace(/\r\n/g, '\n')));
  }
  end(): void {
    if (this.cr) this.out.write(visibleText('\r'));
    this.cr = false;
  }
}

/** Runs code with `cmd` and streams the output (filtered for the terminal); returns it whole. */
export async function runStreamed(board: BoardClient, cmd: 'eval' | 'exec', source: string, io: CliIo, echo: boolean, signal?: AbortSignal): Promise<string> {
  const decoder = new TextDecoder();
  const shown = new OutputEcho(io.stdout);
  let text = '';
  await board.request(cmd, {
    payload: source,
    ...(signal && { signal }),
    onFrame: (payload) => {
      const part = decoder.decode(payload, { stream: true });
      text += part;
      if (echo) shown.write(part);
    },
  });
  const tail = decoder.decode();
  text += tail;
  if (echo) {
    shown.write(tail);
    shown.end();
    if (text && !text.endsWith('\n')) io.stdout.write('\n');
  }
  return text;
}

/**
 * Source that a version-1 eval runs as statements: it evaluates a lone expression as an
 * expression (`print(1)` answers None and prints on the serial console). A trailing `pass`
 * makes any source a statement list without moving the line numbers of a traceback.
 */
export function asStatements(source: string): string {
  return `${source.replace(/\s+$/, '')}\npass\n`;
}

function readSource(file: string | undefined, code: string | undefined): string {
  if (code !== undefined) return code;
  if (!file) throw new MqbError('USAGE', 'give a Python file to run, or the code with -c');
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MqbError('LOCAL_IO', `cannot read ${file}: ${(e as Error).message}`);
  }
}

export function registerEvalCommands(program: Command, io: CliIo): void {
  addConnectionOptions(program.command('eval').argument('<code...>', 'a Python expression or statements')
    .description('evaluate Python on the board: an expression prints its repr(), statements print what they print'))
    .action(async (code: string[], _o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd);
      await withBoard(opts, io, async (board) => {
        const out = await runStreamed(board, 'eval', code.join(' '), io, !opts.json);
        if (opts.json) printJson(io, { output: out });
      });
    });
  addConnectionOptions(program.command('exec').argument('[file]', 'a local Python file to run on the board')
    .description('run a local Python file (or -c code) on the board, streaming its output'))
    .option('-c, --code <code>', 'the statements to run, instead of a file')
    .action(async (file: string | undefined, _o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd) as GlobalOptions & { code?: string };
      const source = readSource(file, opts.code);
      await withBoard(opts, io, async (board) => {
        // v1 boards have no exec: eval runs statements too, it just sends the output at the end.
        const out = board.has('exec') ? await runStreamed(board, 'exec', source, io, !opts.json) : await runStreamed(board, 'eval', asStatements(source), io, !opts.json);
        if (opts.json) printJson(io, { output: out });
      });
    });
}
