// `mqboard tags`: shows or edits the tags a board keeps (docs/firmware.md, *Tags*; the `tags`
// command in docs/protocol.md) on one board (-p PREFIX) or many (-p repeated, or a glob such as
// -p 'sim/*'). The board validates and stores them and republishes its status, so `mqboard fleet`
// and the dashboard see the change at once. The console checks the tags first: a typo is told
// before any board is touched.
import type { Command } from 'commander';
import { TagError, parseTagList } from '../common/board-tags.js';
import { EXIT_CODES, MqbError } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import { matchesAny } from '../common/rollout-plan.js';
import { decodeText } from '../common/protocol.js';
import { visibleText } from '../common/terminal-text.js';
import type { BoardClient } from '../core/board-client.js';
import type { Engine } from '../core/engine.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, boardWaitMs, optionsOf, printJson, withEngine } from './cli-context.js';
import type { GlobalOptions } from './cli-context.js';
import { settle } from './ota-command.js';
import { alreadyReported } from './transfer-common.js';

interface TagsCliOptions extends Omit<GlobalOptions, 'prefix' | 'topic'> {
  prefix?: string[];
  topic?: string[];
  set?: string;
  add?: string;
  rm?: string;
  reset?: boolean;
}

interface TagsResult {
  prefix: string;
  tags?: string[];
  /** Where the board's list comes from: its board_config.py, or the console (/tags.json). */
  source?: string;
  error?: { code: string; message: string };
}

const isGlob = (p: string) => /[*?]/.test(p);

/** A comma-separated tag option (`--tag kitchen,battery`), checked before connecting. */
export function tagOption(text: string, option: string): string[] {
  try {
    return parseTagList(text);
  } catch (e) {
    if (e instanceof TagError) throw new MqbError('USAGE', `${option}: ${e.message}`);
    throw e;
  }
}

/** The request payload: '' reads; otherwise {"set"} or {"add", "rm"}, as the board takes it. */
export function tagsRequest(o: Pick<TagsCliOptions, 'set' | 'add' | 'rm' | 'reset'>): string {
  if (o.reset && (o.set !== undefined || o.add !== undefined || o.rm !== undefined)) throw new MqbError('USAGE', '--reset goes back to the board config\'s tags: it takes no --set, --add or --rm');
  if (o.set !== undefined && (o.add !== undefined || o.rm !== undefined)) throw new MqbError('USAGE', '--set replaces the list: use it without --add/--rm');
  if (o.reset) return JSON.stringify({ set: null });
  if (o.set !== undefined) return JSON.stringify({ set: o.set.trim() === '' ? [] : tagOption(o.set, '--set') });
  const edit = { ...(o.add !== undefined && { add: tagOption(o.add, '--add') }), ...(o.rm !== undefined && { rm: tagOption(o.rm, '--rm') }) };
  return Object.keys(edit).length ? JSON.stringify(edit) : '';
}

/** Explicit prefixes must exist; globs match the boards online in the fleet. */
async function selectBoards(engine: Engine, profileId: string, patterns: string[], opts: TagsCliOptions, waitMs: number, timeoutMs: number): Promise<BoardClient[]> {
  const boards = new Map<string, BoardClient>();
  if (patterns.some(isGlob)) await settle(engine, profileId, Math.max(waitMs, 1000));
  for (const p of patterns.filter((x) => !isGlob(x))) {
    boards.set(p, (await engine.openBoard(profileId, p, { waitMs, timeoutMs, ...(opts.force && { force: true }) })).client);
  }
  const globs = patterns.filter(isGlob);
  if (globs.length) {
    const matches = engine.registry(profileId).list().filter((e) => matchesAny(e.prefix, globs) && (opts.force || e.status?.online));
    if (matches.length === 0) throw new MqbError('NO_BOARD', `no ${opts.force ? '' : 'online '}board matches ${globs.join(' ')} (run \`mqboard fleet\` to list them)`);
    for (const e of matches) if (!boards.has(e.prefix)) boards.set(e.prefix, engine.board(profileId, e.prefix, { timeoutMs }));
  }
  return [...boards.values()];
}

async function tagsOf(board: BoardClient, payload: string): Promise<TagsResult> {
  if (!board.has('tags')) return { prefix: board.prefix, error: { code: 'UNSUPPORTED', message: `${board.prefix} keeps no tags (protocol v${board.proto}, no "tags" command: update its firmware)` } };
  try {
    const reply = JSON.parse(decodeText(await board.request('tags', { payload }))) as { tags?: unknown; source?: unknown };
    return { prefix: board.prefix, tags: Array.isArray(reply.tags) ? reply.tags.map(String) : [], source: String(reply.source ?? '') };
  } catch (e) {
    const code = e instanceof MqbError ? e.code : 'PROTOCOL';
    return { prefix: board.prefix, error: { code, message: e instanceof Error ? e.message : String(e) } };
  }
}

function resultLine(r: TagsResult): string {
  if (r.error) return `${r.prefix}: FAILED (${r.error.code}): ${r.error.message}`;
  return `${r.prefix}: ${r.tags!.length ? r.tags!.join(' ') : '(no tags)'}${r.source === 'config' ? '  (from its board config)' : ''}`;
}

export function registerTagsCommand(program: Command, io: CliIo): void {
  const cmd = addConnectionOptions(program.command('tags').description('show or change the tags boards keep (-p PREFIX, repeated, or a glob such as -p \'sim/*\'); fleet --tag and rollout --tag select by them'))
    .option('--set <tags>', 'replace the tags (comma-separated; "" removes them all)')
    .option('--add <tags>', 'add these tags (comma-separated)')
    .option('--rm <tags>', 'remove these tags (comma-separated)')
    .option('--reset', 'drop the tags set from the console: the board config\'s list applies again');
  for (const o of cmd.options) if (o.long === '--prefix' || o.long === '--topic') o.argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? (prev as string[]) : []), v]);
  cmd.action(async (_o: unknown, command: Command) => {
    const opts = optionsOf(command) as unknown as TagsCliOptions;
    const payload = tagsRequest(opts); // before connecting: a bad tag touches no board
    const patterns = [opts.prefix ?? [], opts.topic ?? []].flat();
    const connOpts = { ...opts, prefix: patterns.length === 1 && !isGlob(patterns[0]!) ? patterns[0] : undefined, topic: undefined } as GlobalOptions;
    await withEngine(connOpts, io, async ({ engine, conn }) => {
      const list = patterns.length ? patterns : conn.prefix ? [conn.prefix] : [];
      if (list.length === 0) throw new MqbError('USAGE', 'which boards? give -p <prefix> (repeat it, or a glob such as -p \'sim/*\'), or MQBOARD_PREFIX');
      const boards = await selectBoards(engine, conn.profile.id, list, opts, boardWaitMs(conn), conn.timeoutMs);
      const results = await Promise.all(boards.map((b) => tagsOf(b, payload)));
      if (opts.json) printJson(io, results);
      else for (const r of results) io.stdout.write(`${visibleText(resultLine(r))}\n`);
      const failed = results.filter((r) => r.error);
      if (failed.length === 0) return;
      const message = failed.length === 1 && results.length === 1 ? failed[0]!.error!.message : `${failed.length} of ${results.length} board(s) failed: ${failed.map((r) => r.prefix).join(', ')}`;
      const code = failed[0]!.error!.code as ErrorCode | 'INTERNAL';
      throw alreadyReported(code === 'INTERNAL' || !(code in EXIT_CODES) ? 'BOARD_ERROR' : code, message);
    }, { discover: patterns.some(isGlob) });
  });
}
