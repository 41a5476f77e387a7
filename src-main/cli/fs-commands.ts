// `mqboard ls | mkdir | rm | rmdir | mv`: the board's file system, through core/fs-ops.ts (the
// v2 commands, or eval-built equivalents on a version-1 board).
import type { Command } from 'commander';
import { BoardFs } from '../core/fs-ops.js';
import type { FsEntry } from '../core/fs-ops.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, optionsOf, printJson, withBoard } from './cli-context.js';
import type { GlobalOptions } from './cli-context.js';
import { visibleText } from '../common/log-line.js';

function formatTime(mtime: number): string {
  // The board's clock may never have been set (mtime near the 2000 epoch of MicroPython).
  if (!mtime) return '-';
  const ms = mtime < 946_684_800 ? (mtime + 946_684_800) * 1000 : mtime * 1000;
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

export function formatListing(entries: FsEntry[]): string {
  const sorted = [...entries].sort((a, b) => a.name.localeCompare(b.name));
  const width = Math.max(4, ...sorted.map((e) => String(e.size).length));
  return sorted
    .map((e) => `${e.type === 'd' ? 'd' : '-'} ${String(e.type === 'd' ? '' : e.size).padStart(width)}  ${formatTime(e.mtime)}  ${visibleText(e.name)}${e.type === 'd' ? '/' : ''}${e.sha256 ? `  ${e.sha256}` : ''}`)
    .map((l) => `${l}\n`)
    .join('');
}

type FsAction = (fs: BoardFs, args: string[], opts: GlobalOptions & Record<string, unknown>, io: CliIo) => Promise<void>;

function fsCommand(program: Command, io: CliIo, spec: string, description: string, run: FsAction): Command {
  const cmd = addConnectionOptions(program.command(spec).description(description));
  return cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const opts = optionsOf(command) as GlobalOptions & Record<string, unknown>;
    const args = params.slice(0, -2).flat().filter((a): a is string => typeof a === 'string');
    await withBoard(opts, io, (board, ctx) => run(new BoardFs(board, { timeoutMs: ctx.conn.timeoutMs }), args, opts, io));
  });
}

export function registerFsCommands(program: Command, io: CliIo): void {
  fsCommand(program, io, 'ls [dir]', 'list a directory on the board (default /)', async (fs, [dir], opts) => {
    const entries = await fs.ls(dir ?? '/', { recursive: opts.recursive === true, sha: opts.sha === true });
    if (opts.json) printJson(io, entries);
    else io.stdout.write(formatListing(entries));
  })
    .option('-r, --recursive', 'list sub-directories too')
    .option('--sha', 'show the SHA-256 of each file');
  fsCommand(program, io, 'mkdir <dir>', 'create a directory on the board (an existing one is fine)', async (fs, [dir], opts) => {
    await fs.mkdir(dir!, { parents: opts.parents === true });
    if (opts.json) printJson(io, { ok: true });
  }).option('--parents', 'create the missing directories above it too');
  fsCommand(program, io, 'rm <file...>', 'remove files on the board', async (fs, files, opts) => {
    for (const f of files) await fs.rm(f);
    if (opts.json) printJson(io, { ok: true });
  });
  fsCommand(program, io, 'rmdir <dir>', 'remove a directory on the board (-r: with everything in it)', async (fs, [dir], opts) => {
    await fs.rmdir(dir!, { recursive: opts.recursive === true });
    if (opts.json) printJson(io, { ok: true });
  }).option('-r, --recursive', 'remove what the directory contains too');
  fsCommand(program, io, 'mv <from> <to>', 'rename or move a file on the board (replaces an existing file)', async (fs, [from, to], opts) => {
    await fs.mv(from!, to!);
    if (opts.json) printJson(io, { ok: true });
  });
}
