// `mqboard get <remote> [local]` and `mqboard put <local> [remote]`: files (put: also whole
// directories) to and from a board, SHA-256 checked end to end, with a progress bar; and the
// registration of every transfer command (get, put, ota, sync).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { MqbError } from '../common/errors.js';
import type { BoardClient } from '../core/board-client.js';
import { getFile, putFile, readLocal, writeLocalAtomic } from '../core/file-transfer.js';
import type { TransferResult } from '../core/file-transfer.js';
import { BoardFs } from '../core/fs-ops.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, optionsOf, printJson, withBoard } from './cli-context.js';
import type { GlobalOptions } from './cli-context.js';
import { registerOtaCommand } from './ota-command.js';
import type { ProgressDisplay } from './progress.js';
import { registerSyncCommand } from './sync-command.js';
import { addQuietOption, describeTransfer, progressFor, withCancel } from './transfer-common.js';
import type { UpdateSigner } from '../common/signing.js';
import { addSignOption, signerOf } from './keys-command.js';

type Options = GlobalOptions & { quiet?: boolean; sign?: string };
/** Prints one result line for people (nothing with --json). */
type ResultOut = (line: string) => void;

const CHECKED: Record<TransferResult['verified'], string> = {
  board: 'SHA-256 checked by the board',
  readback: 'SHA-256 checked by reading it back',
  none: 'not checked (the board cannot hash)',
};

const joinBoard = (dir: string, name: string) => `${dir.replace(/\/+$/, '')}/${name}`;

/** Local files to put: one file, or every file under a directory (with its board path). */
function localPlan(local: string, remote: string | undefined): Array<{ local: string; remote: string }> {
  let st: fs.Stats;
  try {
    st = fs.statSync(local);
  } catch {
    throw new MqbError('LOCAL_IO', `cannot read ${local}: no such file or directory`);
  }
  const base = path.basename(path.resolve(local));
  if (!st.isDirectory()) {
    const target = remote === undefined ? `/${base}` : remote.endsWith('/') ? joinBoard(remote, base) : remote;
    return [{ local, remote: target }];
  }
  const root = remote === undefined ? `/${base}` : remote.endsWith('/') ? joinBoard(remote, base) : remote;
  const out: Array<{ local: string; remote: string }> = [];
  const walk = (dir: string, rdir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (d.isDirectory()) walk(path.join(dir, d.name), joinBoard(rdir, d.name));
      else if (d.isFile()) out.push({ local: path.join(dir, d.name), remote: joinBoard(rdir, d.name) });
    }
  };
  walk(local, root);
  if (out.length === 0) throw new MqbError('LOCAL_IO', `${local} contains no files`);
  return out;
}

async function putAll(board: BoardClient, files: Array<{ local: string; remote: string; data: Uint8Array }>, display: ProgressDisplay, out: ResultOut, timeoutMs: number, signal: AbortSignal, sign: UpdateSigner | undefined) {
  const bfs = new BoardFs(board, { timeoutMs, signal });
  const dirs = [...new Set(files.map((f) => f.remote.slice(0, f.remote.lastIndexOf('/'))).filter(Boolean))];
  // As with cp: a tree is created; a single file goes where it is told (into a directory with
  // its own name), and a missing directory above it is an error.
  const first = files[0]!;
  if (files.length > 1) for (const d of dirs) await bfs.mkdir(d, { parents: true });
  else if ((await bfs.exists(first.remote))?.type === 'd') first.remote = joinBoard(first.remote, path.basename(first.local));
  const results = [];
  for (const f of files) {
    const t0 = performance.now();
    const label = `${board.prefix}:${f.remote}`;
    const r = await putFile(board, f.remote, f.data, { signal, timeoutMs, onProgress: (p) => display.update(label, label, p, 'sending'), ...(sign && { sign }) });
    display.done(label);
    out(`${f.local} -> ${label}: ${describeTransfer(r.bytes, performance.now() - t0)}, ${CHECKED[r.verified]}`);
    results.push({ local: f.local, remote: r.path, bytes: r.bytes, sha256: r.sha256, verified: r.verified });
  }
  return results;
}

export function registerTransferCommands(program: Command, io: CliIo): void {
  addQuietOption(addConnectionOptions(program.command('get')
    .argument('<remote>', 'the file on the board, e.g. /main.py')
    .argument('[local]', 'where to write it: a file or directory (default: its name, here); - for stdout')
    .description('copy a file from the board (SHA-256 checked; the local file is replaced only when it arrived intact)')))
    .action(async (remote: string, local: string | undefined, _o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd) as Options;
      let target = local ?? path.basename(remote);
      if (target !== '-' && fs.existsSync(target) && fs.statSync(target).isDirectory()) target = path.join(target, path.basename(remote));
      await withBoard(opts, io, (board, ctx) =>
        withCancel(io, async (signal) => {
          const display = progressFor(io, { ...opts, ...(target === '-' && !io.stderr.isTTY && { quiet: true }) });
          const label = `${board.prefix}:${remote}`;
          const t0 = performance.now();
          try {
            const r = await getFile(board, remote, { signal, timeoutMs: ctx.conn.timeoutMs, onProgress: (p) => display.update(label, label, p, 'receiving') });
            // The bytes as they are (process.stdout takes a Buffer; a captured stream decodes it).
            if (target === '-') io.stdout.write(Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength) as unknown as string);
            else await writeLocalAtomic(target, r.data);
            display.done(label);
            const summary = { remote: r.path, local: target, bytes: r.bytes, sha256: r.sha256, verified: r.verified };
            const checked = r.verified === 'board' ? 'SHA-256 checked against the board' : 'not checked (the board cannot hash)';
            if (opts.json) printJson(io, { ok: true, board: board.prefix, ...summary });
            // With stdout carrying the file, the summary goes to stderr.
            else display.print(target === '-' ? io.stderr : io.stdout, `${label} -> ${target}: ${describeTransfer(r.bytes, performance.now() - t0)}, ${checked}`);
          } finally {
            display.close();
          }
        }),
        { label: 'get', keepAwake: true },
      );
    });

  addSignOption(addQuietOption(addConnectionOptions(program.command('put')
    .argument('<local>', 'a local file, or a directory (copied with everything in it)')
    .argument('[remote]', 'where on the board (default: /<name>; a path ending in / keeps the name)')
    .description('copy a file or directory to the board (SHA-256 checked; the old file stays when the new one did not arrive intact)'))))
    .action(async (local: string, remote: string | undefined, _o: unknown, cmd: Command) => {
      const opts = optionsOf(cmd) as Options;
      // Everything local is read before connecting: a missing file is LOCAL_IO, nothing is sent.
      const plan = localPlan(local, remote);
      const files = await Promise.all(plan.map(async (p) => ({ ...p, data: await readLocal(p.local) })));
      const sign = signerOf(opts, io); // a missing key is LOCAL_IO before anything is sent
      await withBoard(opts, io, (board, ctx) =>
        withCancel(io, async (signal) => {
          const display = progressFor(io, opts);
          try {
            const out: ResultOut = (line) => !opts.json && display.print(io.stdout, line);
            const results = await putAll(board, files, display, out, ctx.conn.timeoutMs, signal, sign);
            if (opts.json) printJson(io, { ok: true, board: board.prefix, files: results });
          } finally {
            display.close();
          }
        }),
        { label: 'put', keepAwake: true },
      );
    });

  registerOtaCommand(program, io);
  registerSyncCommand(program, io);
}
