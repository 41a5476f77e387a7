// `mqboard repl`: an interactive Python prompt on the board. Boards with the `tty` capability
// get the real thing (core/tty-session.ts: the board's prompts, blocks, tab completion, Ctrl-C
// interrupts the running statement; auto-indent and typed vs pasted lines: repl-input.ts);
// others get an eval loop. Ctrl-D ends either.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Command } from 'commander';
import { MqbError } from '../common/errors.js';
import { TerminalFilter, visibleText } from '../common/terminal-text.js';
import type { BoardClient } from '../core/board-client.js';
import type { TtySession } from '../core/tty-session.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, optionsOf, withBoard } from './cli-context.js';
import { runStreamed } from './eval-command.js';
import { replInput } from './repl-input.js';
import type { ReplInput } from './repl-input.js';

const HISTORY_SIZE = 1000;
/** After the input ends (a pipe), how long the board may stay silent before the CLI gives up. */
const DRAIN_MS = 30_000;

function historyFile(io: CliIo): string {
  return io.env.MQBOARD_HISTORY ?? path.join(os.homedir(), '.mqboard_history');
}

function loadHistory(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistory(file: string, history: string[]): void {
  try {
    fs.writeFileSync(file, `${[...history].reverse().join('\n')}\n`, { mode: 0o600 });
  } catch {
    // History is a convenience: a read-only home must not break the REPL.
  }
}

/** Eval-loop output and errors: CR-LF made plain, control sequences neutralised. */
const shown = (text: string) => visibleText(text.replace(/\r\n/g, '\n'));

function makeReadline(io: CliIo, completer?: readline.AsyncCompleter): { rl: readline.Interface; terminal: boolean; save: () => void; prompt: () => void } {
  const terminal = io.stdin.isTTY === true && io.stdout.isTTY === true;
  const file = historyFile(io);
  const rl = readline.createInterface({
    input: io.stdin,
    output: io.stdout as NodeJS.WritableStream,
    terminal,
    historySize: HISTORY_SIZE,
    ...(terminal && { history: loadHistory(file) }),
    ...(completer && { completer }),
  });
  const save = () => {
    if (terminal) saveHistory(file, (rl as unknown as { history: string[] }).history ?? []);
  };
  // Piped input gets no prompts in its output, like python reading a pipe.
  const prompt = () => {
    if (terminal) rl.prompt(true);
  };
  return { rl, terminal, save, prompt };
}

export async function ttyRepl(tty: TtySession, io: CliIo): Promise<void> {
  const first = await tty.open();
  let input: ReplInput | undefined;
  const { rl, terminal, save, prompt } = makeReadline(io, (line, cb) => {
    const indent = input?.indentTab(line);
    if (indent) return cb(null, indent);
    tty.complete(line).then((c) => cb(null, [c.matches, c.prefix]), () => cb(null, [[], line]));
  });
  // A terminal like the serial REPL: colours and cursor movement pass, OSC (title, clipboard,
  // links) and the like are shown escaped; one filter per session holds sequences split in two.
  const term = new TerminalFilter();
  const shownTty = (text: string) => term.push(text.replace(/\r\n/g, '\n'));
  await new Promise<void>((resolve, reject) => {
    input = replInput(rl, io.stdin, terminal, (text) => void tty.input(text).catch((e: unknown) => reject(e as Error)));
    const removeInterrupt = io.onInterrupt(() => void tty.interrupt().catch(() => {}));
    tty.on('output', (text) => io.stdout.write(shownTty(text)));
    tty.on('prompt', (p) => {
      rl.setPrompt(visibleText(p));
      prompt();
      input?.atPrompt(p);
    });
    tty.on('end', ({ text, error }) => {
      removeInterrupt();
      input?.dispose();
      const rest = term.end() + (text ? `${shown(text)}\n` : '');
      if (rest) io.stdout.write(rest);
      rl.close();
      if (error) reject(error);
      else resolve();
    });
    rl.on('SIGINT', () => {
      io.stdout.write('^C\n');
      void tty.interrupt().catch(() => {});
    });
    rl.on('close', () => {
      save();
      if (tty.closed) return;
      input?.flush(); // the last lines first
      // Ctrl-D, or the end of piped input: the board runs what was sent first, then ends.
      void tty.close({ drainMs: DRAIN_MS });
    });
    rl.setPrompt(visibleText(first));
    prompt();
  });
}

/** A block (def, for, ...) is collected until an empty line, like the serial REPL. */
function opensBlock(line: string): boolean {
  return /:\s*(#.*)?$/.test(line) || /\\\s*$/.test(line);
}

async function evalRepl(board: BoardClient, io: CliIo): Promise<void> {
  io.stderr.write(`${board.prefix} has no interactive REPL (protocol v${board.proto}): each statement is run with eval\n`);
  const { rl, save, prompt: showPrompt } = makeReadline(io);
  let block: string[] = [];
  let running: AbortController | undefined;
  let queue = Promise.resolve();
  const prompt = () => {
    rl.setPrompt(block.length ? '... ' : '>>> ');
    showPrompt();
  };
  const run = async (code: string) => {
    running = new AbortController();
    try {
      await runStreamed(board, 'eval', code, io, true, running.signal);
    } catch (e) {
      if (e instanceof MqbError && (e.code === 'BOARD_ERROR' || e.code === 'CANCELLED')) io.stdout.write(shown(`${e.message}\n`));
      else throw e;
    } finally {
      running = undefined;
    }
  };
  await new Promise<void>((resolve, reject) => {
    const interrupt = () => {
      if (running) {
        running.abort();
        io.stdout.write('^C (the board keeps running it: a version-1 board cannot be interrupted)\n');
      } else {
        block = [];
        io.stdout.write('^C\n');
        prompt();
      }
    };
    const removeInterrupt = io.onInterrupt(interrupt);
    rl.on('SIGINT', interrupt);
    rl.on('line', (line) => {
      if (block.length || opensBlock(line)) {
        if (line.trim() !== '') {
          block.push(line);
          return prompt();
        }
      } else {
        if (line.trim() === '') return prompt();
        block = [line];
      }
      const code = block.join('\n');
      block = [];
      queue = queue.then(() => run(code)).then(prompt, reject);
    });
    rl.on('close', () => {
      save();
      removeInterrupt();
      void queue.then(resolve, reject);
    });
    prompt();
  });
}

export function registerReplCommand(program: Command, io: CliIo): void {
  addConnectionOptions(program.command('repl').description('interactive Python prompt on the board (Ctrl-C interrupts, Ctrl-D ends)'))
    .option('--eval-loop', 'use the eval loop even if the board has a REPL')
    .action(async (_o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd) as ReturnType<typeof optionsOf> & { evalLoop?: boolean };
      await withBoard(opts, io, async (board, { engine, conn }) => {
        if (board.has('tty') && !opts.evalLoop) {
          await ttyRepl(engine.tty(conn.profile.id, board.prefix, { timeoutMs: conn.timeoutMs }), io);
        } else {
          await evalRepl(board, io);
        }
        // A battery board stays up while a person types (idle REPL sessions send nothing).
      }, { label: 'repl', keepAwake: true });
    });
}
