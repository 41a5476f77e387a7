// Board operations of the UI: eval, files (ls, mkdir, rm, rmdir, mv, text files for the editor;
// uploads and downloads run in the background: transfer-ops.ts), reset and the crash log. Each
// runs on the board's client with the caller's abort signal, so a timeout or a closed window
// cancels the command.
import { ConsoleError } from '../common/contract.js';
import type { FileEntry } from '../common/contract.js';
import { MqbError } from '../common/errors.js';
import { decodeText, encodeText } from '../common/protocol.js';
import { parseCrashRecords } from '../core/crash-records.js';
import { getFile, putFile } from '../core/file-transfer.js';
import { BoardFs } from '../core/fs-ops.js';
import type { FsEntry } from '../core/fs-ops.js';
import { resetBoard } from './board-actions.js';
import { openBoard } from './service-context.js';
import type { HandlerGroup, ServiceContext } from './service-context.js';

export const MAX_TEXT_FILE = 1024 * 1024;

const toEntry = (e: FsEntry): FileEntry => ({
  name: e.name,
  type: e.type === 'd' ? 'dir' : 'file',
  size: e.size,
  mtime: typeof e.mtime === 'number' ? e.mtime : null,
  ...(e.sha256 !== undefined && { sha256: e.sha256 }),
});

type BoardOps = 'board.eval' | 'board.ls' | 'board.mkdir' | 'board.rm' | 'board.rmdir' | 'board.mv' | 'board.readText' | 'board.writeText' | 'board.reset' | 'board.crashlog';

export function boardHandlers(ctx: ServiceContext): HandlerGroup<BoardOps> {
  const fs = async (p: { profileId: string; prefix: string }, signal: AbortSignal) => new BoardFs(await openBoard(ctx, p.profileId, p.prefix), { signal });
  return {
    'board.eval': async (p, { signal }) => {
      const board = await openBoard(ctx, p.profileId, p.prefix);
      return { output: decodeText(await board.request('eval', { payload: p.source, signal })) };
    },
    'board.ls': async (p, { signal }) => (await (await fs(p, signal)).ls(p.path, { recursive: p.recursive === true })).map(toEntry),
    'board.mkdir': async (p, { signal }) => {
      await (await fs(p, signal)).mkdir(p.path);
      return {};
    },
    'board.rm': async (p, { signal }) => {
      await (await fs(p, signal)).rm(p.path);
      return {};
    },
    'board.rmdir': async (p, { signal }) => {
      await (await fs(p, signal)).rmdir(p.path, { recursive: p.recursive === true });
      return {};
    },
    'board.mv': async (p, { signal }) => {
      await (await fs(p, signal)).mv(p.from, p.to);
      return {};
    },
    'board.readText': async (p, { signal }) => {
      const board = await openBoard(ctx, p.profileId, p.prefix);
      const st = await new BoardFs(board, { signal }).stat(p.path);
      if (st.type === 'd') throw new MqbError('BOARD_ERROR', `EISDIR: ${p.path}`);
      if (st.size > MAX_TEXT_FILE) throw new ConsoleError('USAGE', `${p.path} is ${st.size} bytes: too large for the editor (at most 1 MB); download it instead`);
      const got = await getFile(board, p.path, { signal });
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(got.data);
      } catch {
        throw new ConsoleError('USAGE', `${p.path} is not UTF-8 text; download it instead`);
      }
      return { text, sha256: got.sha256 };
    },
    'board.writeText': async (p, { signal }) => {
      const board = await openBoard(ctx, p.profileId, p.prefix);
      const put = await putFile(board, p.path, encodeText(p.text), { signal });
      return { size: put.bytes, sha256: put.sha256 };
    },
    'board.reset': async (p, { signal }) => {
      await resetBoard(await openBoard(ctx, p.profileId, p.prefix), p.mode, signal);
      return {};
    },
    'board.crashlog': async (p, { signal }) => {
      const board = await openBoard(ctx, p.profileId, p.prefix);
      if (!board.caps.includes('crashlog')) {
        // Version-1 boards keep no crash log; the retained records (if any) are all there is.
        if (p.clear) throw new MqbError('UNSUPPORTED', `${p.prefix} has no crash log to clear (protocol v${board.proto})`);
        return ctx.engine.registry(p.profileId).get(p.prefix)?.crashes ?? [];
      }
      const reply = decodeText(await board.request('crashlog', { payload: p.clear ? 'clear' : '', signal }));
      return p.clear ? [] : parseCrashRecords(reply);
    },
  };
}
