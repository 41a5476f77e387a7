// What every board command of the CLI shares: the connection options (global or per command,
// compatible with the original mqboard), the password prompt, one engine per invocation, the
// board lookup (NO_BOARD / OFFLINE), and errors turned into messages and exit codes.
import type { Command } from 'commander';
import { EXIT_CODES, exitCodeOf, isMqbError, MqbError } from '../common/errors.js';
import { isSleeping } from '../common/board-state.js';
import { plainPasswordWarning } from '../common/plain-password.js';
import { visibleText } from '../common/terminal-text.js';
import type { BoardClient } from '../core/board-client.js';
import { describeProfile, resolveConnection } from '../core/broker-profile.js';
import type { ConnectionOptions, ResolvedConnection } from '../core/broker-profile.js';
import { Engine, sleepText } from '../core/engine.js';
import type { BoardEntry } from '../core/fleet-registry.js';
import { keepAwake } from '../core/keep-awake.js';
import { wakeQueueOf } from '../core/wake-queue.js';
import type { CliIo } from './cli-io.js';
import { promptHidden } from './password-prompt.js';

export interface GlobalOptions extends ConnectionOptions {
  json?: boolean;
  force?: boolean;
  waitWake?: boolean;
}

/** The options every board command accepts, before or after the command name. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-s, --server <host|url>', 'broker host name or URL (mqtt://, mqtts://, ws://, wss://) [MQBOARD_SERVER; default mqtt://127.0.0.1:1883]')
    .option('--port <port>', 'broker port [MQBOARD_PORT]')
    .option('--tls', 'MQTT over TLS (port 8883 unless --port) [MQBOARD_TLS]')
    .option('-p, --prefix <prefix>', 'the board\'s topic prefix, e.g. sim/sim-01 [MQBOARD_PREFIX]')
    .option('-t, --topic <prefix>', 'same as --prefix (the original mqboard name) [MQBOARD_TOPIC]')
    .option('-u, --user <name>', 'broker user name [MQBOARD_USER]')
    .option('--password <password>', 'broker password [MQBOARD_PASSWORD]; prompted for on a terminal when --user is given without one')
    .option('--ca <file>', 'CA certificate (PEM) that signed the broker certificate [MQBOARD_CA]')
    .option('--insecure', 'do not verify the broker certificate (testing only)')
    .option('--timeout <seconds>', 'how long to wait for the board to answer [MQBOARD_TIMEOUT; default 10]')
    .option('--force', 'talk to the board even if its status says it is offline')
    .option('--wait-wake', 'a battery board that is asleep: wait for its next wake (at most --timeout), then run the command')
    .option('--json', 'print the result as JSON');
}

export interface BoardContext {
  engine: Engine;
  conn: ResolvedConnection;
  io: CliIo;
  opts: GlobalOptions;
}

/** Resolves options + environment and asks for the password on a terminal when needed. */
export async function connectionFor(opts: GlobalOptions, io: CliIo): Promise<ResolvedConnection> {
  const conn = resolveConnection(opts, io.env);
  if (conn.profile.username !== undefined && conn.profile.password === undefined && io.stdin.isTTY) {
    conn.profile.password = await promptHidden(io, `password for ${conn.profile.username} at ${conn.profile.url}: `);
  }
  const plain = plainPasswordWarning(conn.profile.url, conn.profile.password !== undefined);
  if (plain) io.stderr.write(`mqboard: warning: ${plain}\n`);
  if (conn.profile.insecure) io.stderr.write('mqboard: warning: --insecure: the broker certificate is not verified, anyone in the path can read the traffic and the password\n');
  return conn;
}

/** Connects (no fleet discovery), runs fn, always disconnects. */
export async function withEngine<T>(opts: GlobalOptions, io: CliIo, fn: (ctx: BoardContext) => Promise<T>, connect: { discover?: boolean } = {}): Promise<T> {
  const conn = await connectionFor(opts, io);
  const engine = new Engine();
  try {
    await engine.connect(conn.profile, { discover: connect.discover ?? false, connectTimeoutMs: Math.max(conn.timeoutMs, 5_000) });
    return await fn({ engine, conn, io, opts });
  } finally {
    await engine.close().catch(() => {});
  }
}

export function requirePrefix(conn: ResolvedConnection): string {
  if (!conn.prefix) throw new MqbError('USAGE', 'which board? give its prefix with --prefix/-p (or MQBOARD_PREFIX), e.g. -p sim/sim-01; `mqboard fleet` lists them');
  return conn.prefix;
}

/** How long to wait for a board's retained status before saying there is no such board. */
export function boardWaitMs(conn: ResolvedConnection): number {
  return Math.min(3_000, conn.timeoutMs);
}

/**
 * Connects, finds the board (NO_BOARD, OFFLINE unless --force) and runs fn with its client. With
 * --wait-wake a board that is asleep (or overdue) is waited for, at most --timeout: fn runs at its
 * next wake, after an `awake` request that keeps it up for the command. `keepAwake` (transfers):
 * a battery board is asked to stay awake while fn runs.
 */
export function withBoard<T>(opts: GlobalOptions, io: CliIo, body: (board: BoardClient, ctx: BoardContext & { entry: BoardEntry }) => Promise<T>, extra: { label?: string; keepAwake?: boolean } = {}): Promise<T> {
  const fn: typeof body = !extra.keepAwake
    ? body
    : async (board, ctx) => {
        const stop = keepAwake(board);
        try {
          return await body(board, ctx);
        } finally {
          stop();
        }
      };
  const label = extra.label ?? 'the command';
  return withEngine(opts, io, async (ctx) => {
    const prefix = requirePrefix(ctx.conn);
    const profileId = ctx.conn.profile.id;
    const { client, entry } = await ctx.engine.openBoard(profileId, prefix, {
      waitMs: boardWaitMs(ctx.conn),
      timeoutMs: ctx.conn.timeoutMs,
      ...(opts.force && { force: true }),
      ...(opts.waitWake && { allowAsleep: true }),
    });
    if (!opts.waitWake || !isSleeping(entry.state.state)) return fn(client, { ...ctx, entry });
    io.stderr.write(`mqboard: ${visibleText(prefix)} is ${sleepText(entry, Date.now())}; waiting (Ctrl-C to cancel)\n`);
    // A fresh client at the wake: with the caps of the status the board woke with, and --timeout.
    return wakeQueueOf(ctx.engine).run(profileId, prefix, { label, timeoutMs: ctx.conn.timeoutMs }, () =>
      fn(ctx.engine.board(profileId, prefix, { timeoutMs: ctx.conn.timeoutMs }), { ...ctx, entry: ctx.engine.registry(profileId).get(prefix) ?? entry }),
    );
  });
}

/** The options of the command merged with the program's (the command's win). */
export function optionsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Reports an error the way scripts rely on: a message on stderr (JSON on stdout with --json), an exit code. */
export function reportError(io: CliIo, err: unknown, json: boolean): number {
  const code = exitCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  // A command that already printed its JSON result (ok: false inside) only sets the exit code.
  if (json && !(isMqbError(err) && err.details?.jsonPrinted)) printJson(io, { ok: false, error: { code: isMqbError(err) ? err.code : 'INTERNAL', message } });
  // Messages carry board text (tracebacks, error replies): never raw to the terminal.
  io.stderr.write(`mqboard: ${visibleText(message)}\n`);
  if (!isMqbError(err) && err instanceof Error && err.stack && io.env.MQBOARD_DEBUG) io.stderr.write(`${err.stack}\n`);
  return code;
}

export { EXIT_CODES, describeProfile };
