// `mqboard sync <spec>`: installs the files a sync spec (the original `mqsync` format) lists,
// skipping those whose SHA-256 already matches. --dry-run prints the plan, --delete removes what
// the spec does not list in its target directories, --pull copies the board's files back.
// Check-only blocks never change the board: a difference ends with a non-zero exit code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { MqbError } from '../common/errors.js';
import { BoardFs } from '../core/fs-ops.js';
import { describeAction, planBoardSync, runSync } from '../core/sync.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, optionsOf, printJson, withBoard } from './cli-context.js';
import type { GlobalOptions } from './cli-context.js';
import { addQuietOption, alreadyReported, progressFor, withCancel } from './transfer-common.js';
import { addSignOption, signerOf } from './keys-command.js';

type SyncCliOptions = GlobalOptions & { quiet?: boolean; delete?: boolean; pull?: boolean; dryRun?: boolean; sign?: string };

export function registerSyncCommand(program: Command, io: CliIo): void {
  addSignOption(addQuietOption(addConnectionOptions(program.command('sync')
    .argument('<spec>', 'the sync spec file; source paths in it are relative to its directory')
    .description('bring the board in line with a sync spec (only files whose SHA-256 differs are sent)'))))
    .option('-n, --dry-run', 'print the plan (put, skip, delete, check lines) and change nothing')
    .option('--delete', 'also remove files in the spec\'s target directories that it does not list (never the board\'s config or secrets)')
    .option('--pull', 'copy the board\'s files to the local tree instead')
    .action(async (specFile: string, _o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd) as SyncCliOptions;
      if (opts.pull && opts.delete) throw new MqbError('USAGE', '--delete and --pull cannot be combined (a pull never deletes)');
      let specText: string;
      try {
        specText = fs.readFileSync(specFile, 'utf8');
      } catch (e) {
        throw new MqbError('LOCAL_IO', `cannot read the sync spec ${specFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      const specDir = path.dirname(path.resolve(specFile));
      const sign = signerOf(opts, io);
      await withBoard(opts, io, (board, ctx) =>
        withCancel(io, async (signal) => {
          const bfs = new BoardFs(board, { timeoutMs: ctx.conn.timeoutMs, signal });
          const plan = await planBoardSync(bfs, specText, specDir, { ...(opts.delete && { deleteExtra: true }), ...(opts.pull && { pull: true }) });
          const differences = plan.filter((a) => a.op === 'check' && a.differs);
          const count = (op: string) => plan.filter((a) => a.op === op).length;
          const summary = `${count(opts.pull ? 'pull' : 'put')} to ${opts.pull ? 'pull' : 'put'}, ${count('skip')} skipped${count('delete') ? `, ${count('delete')} to delete` : ''}${count('check') ? `, ${count('check')} checked (${differences.length} differ)` : ''}`;
          if (opts.dryRun) {
            if (opts.json) printJson(io, { ok: true, dryRun: true, board: board.prefix, actions: plan });
            else io.stdout.write(`${plan.map((a) => `${describeAction(a)}\n`).join('')}dry run on ${board.prefix}: ${summary}\n`);
            return;
          }
          const display = progressFor(io, opts);
          try {
            await runSync(bfs, plan, specDir, {
              signal,
              ...(sign && { sign }),
              timeoutMs: ctx.conn.timeoutMs,
              onAction: (a) => {
                if (!opts.json && a.op !== 'skip') display.print(io.stdout, describeAction(a));
              },
              onProgress: (a, p) => (p.done >= p.total ? display.done(a.target) : display.update(a.target, a.target, p, a.op)),
            });
          } finally {
            display.close();
          }
          if (opts.json) printJson(io, { ok: differences.length === 0, board: board.prefix, actions: plan, differences: differences.map((a) => a.target) });
          else {
            for (const a of differences) io.stdout.write(`DIFFERS ${a.target} (${a.reason}; check-only, not changed)\n`);
            io.stdout.write(`${board.prefix}: ${summary}\n`);
          }
          if (differences.length) throw alreadyReported('SHA_MISMATCH', `${differences.length} file(s) on ${board.prefix} differ from the spec's check-only blocks`);
        }),
        { label: 'sync', keepAwake: true },
      );
    });
}
