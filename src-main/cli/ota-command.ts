// `mqboard ota <image.bin>`: upgrades one board (-p), several (-p repeated) or every board whose
// prefix matches a glob (-p 'sim/*', against the fleet's retained statuses). The image is checked
// before anything is sent; uploads resume after drops; with --reset each board is reset and
// followed until it is back, showing the firmware it came back with.
import type { Command } from 'commander';
import { isSleeping } from '../common/board-state.js';
import { EXIT_CODES, MqbError } from '../common/errors.js';
import type { ErrorCode } from '../common/errors.js';
import { formatBytes } from '../common/ota-plan.js';
import { globToRegExp } from '../common/sync-spec.js';
import { resetAndWait } from '../core/board-restart.js';
import type { RestartReport } from '../core/board-restart.js';
import type { BoardClient } from '../core/board-client.js';
import type { Engine } from '../core/engine.js';
import { readLocal } from '../core/file-transfer.js';
import { wakeHooks } from '../core/keep-awake.js';
import { checkOtaImage, otaEngineOf } from '../core/ota-engine.js';
import type { OtaJob, OtaResult } from '../core/ota-engine.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, boardWaitMs, optionsOf, printJson, withEngine } from './cli-context.js';
import type { GlobalOptions } from './cli-context.js';
import { addQuietOption, alreadyReported, describeTransfer, progressFor, withCancel } from './transfer-common.js';
import { addSignOption, signerOf } from './keys-command.js';

interface OtaCliOptions extends Omit<GlobalOptions, 'prefix' | 'topic'> {
  prefix?: string | string[];
  topic?: string | string[];
  quiet?: boolean;
  sign?: string;
  reset?: boolean;
  resetWait: string;
  confirmTimeout?: string;
  concurrency: string;
  resume: boolean;
  attempts: string;
}

const isGlob = (p: string) => /[*?]/.test(p);

function positive(text: string, what: string, integer = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new MqbError('USAGE', `${what} must be a positive ${integer ? 'whole ' : ''}number (got "${text}")`);
  return n;
}

/** Retained statuses arrive in a burst after SUBSCRIBE: wait until it is over (or the limit). */
export function settle(engine: Engine, profileId: string, limitMs: number): Promise<void> {
  const registry = engine.registry(profileId);
  return new Promise((resolve) => {
    let quiet = setTimeout(finish, 400);
    const limit = setTimeout(finish, limitMs);
    function bump() {
      clearTimeout(quiet);
      quiet = setTimeout(finish, 400);
    }
    function finish() {
      clearTimeout(quiet);
      clearTimeout(limit);
      registry.off('board-added', bump);
      registry.off('board-changed', bump);
      resolve();
    }
    registry.on('board-added', bump);
    registry.on('board-changed', bump);
  });
}

/** The boards to upgrade: explicit prefixes must exist (and be online); globs match the fleet. */
async function selectBoards(engine: Engine, profileId: string, patterns: string[], opts: OtaCliOptions, waitMs: number, timeoutMs: number): Promise<BoardClient[]> {
  const force = opts.force === true;
  const boards = new Map<string, BoardClient>();
  if (patterns.some(isGlob)) await settle(engine, profileId, Math.max(waitMs, 1000));
  for (const pattern of patterns) {
    if (!isGlob(pattern)) {
      const { client } = await engine.openBoard(profileId, pattern, { waitMs, timeoutMs, ...(force && { force }), ...(opts.waitWake && { allowAsleep: true }) });
      boards.set(pattern, client);
      continue;
    }
    // `*` and `?` stay within one topic level: 'sim/*' is every board directly under sim/.
    const re = globToRegExp(pattern);
    const matches = engine.registry(profileId).list().filter((e) => re.test(e.prefix) && (force || e.status?.online || (opts.waitWake && isSleeping(e.state.state))));
    if (matches.length === 0) throw new MqbError('NO_BOARD', `no ${force ? '' : 'online '}board matches "${pattern}" (run \`mqboard fleet\` to list them)`);
    for (const e of matches) boards.set(e.prefix, engine.board(profileId, e.prefix, { timeoutMs }));
  }
  return [...boards.values()];
}

function resultLine(r: OtaResult): string {
  if (!r.ok) return `${r.prefix}: FAILED (${r.error?.code}): ${r.error?.message}`;
  const resumed = r.resumedFrom > 0 ? `, resumed at ${formatBytes(r.resumedFrom)}` : '';
  const retries = r.attempts > 1 ? ` after ${r.attempts} attempts` : '';
  const after = r.after as RestartReport | undefined;
  const back = after
    ? `; back after ${(after.backAfterMs / 1000).toFixed(1)} s running ${after.fw || '?'} on ${after.partition || '?'}${after.confirmed ? ', confirmed' : after.pendingVerify ? ' (pending verification)' : ''}`
    : `; ${r.partition ? `${r.partition} ` : ''}set to boot at the next reset`;
  return `${r.prefix}: OK, ${describeTransfer(r.bytes - r.resumedFrom, r.elapsedMs)}${resumed}${retries}${back}`;
}

export function registerOtaCommand(program: Command, io: CliIo): void {
  const cmd = addSignOption(addQuietOption(addConnectionOptions(program.command('ota')
    .argument('<image>', 'the firmware: an ESP32 app image (.bin), e.g. from `mqboard image build`')
    .description('upgrade the firmware over the air: one board (-p), several (-p repeated), or a glob (-p \'sim/*\')'))))
    .option('--reset', 'reset each board after its upload and wait until it is back with the new firmware')
    .option('--reset-wait <seconds>', 'with --reset: how long a board may take to come back', '60')
    .option('--confirm-timeout <seconds>', 'with --reset: also wait until the board confirms the new firmware (a healthy boot)')
    .option('--concurrency <n>', 'boards upgraded at the same time', '4')
    .option('--no-resume', 'always send the whole image (do not ask the board what it already has)')
    .option('--attempts <n>', 'tries per board after drops (board reset, broker reconnect)', '5');
  // -p/-t may be repeated here: one upload, several boards.
  for (const o of cmd.options) if (o.long === '--prefix' || o.long === '--topic') o.argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? (prev as string[]) : []), v]);
  cmd.action(async (file: string, _o: unknown, command: Command) => {
    const opts = optionsOf(command) as unknown as OtaCliOptions;
    const patterns = [opts.prefix ?? [], opts.topic ?? []].flat();
    const concurrency = positive(opts.concurrency, '--concurrency', true);
    const attempts = positive(opts.attempts, '--attempts', true);
    const resetWaitMs = positive(opts.resetWait, '--reset-wait') * 1000;
    const confirmMs = opts.confirmTimeout === undefined ? undefined : positive(opts.confirmTimeout, '--confirm-timeout') * 1000;
    if (confirmMs !== undefined && !opts.reset) throw new MqbError('USAGE', '--confirm-timeout needs --reset (the new firmware only runs after a reset)');
    const image = await readLocal(file);
    const checked = checkOtaImage(image, file);
    const sign = signerOf(opts, io);
    const display = progressFor(io, opts);
    // A stock MicroPython build has neither project nor version in its app descriptor.
    const named = checked.project || checked.version ? `${checked.project || '?'} ${checked.version || '?'}` : `no version in the app descriptor (app ${checked.appSha.slice(0, 16)}…)`;
    if (!opts.json) display.print(io.stdout, `${file}: ${named}, ${formatBytes(checked.size)}, SHA-256 ${checked.sha256.slice(0, 16)}…`);
    const connOpts = { ...opts, prefix: patterns.length === 1 && !isGlob(patterns[0]!) ? patterns[0] : undefined, topic: undefined } as GlobalOptions;
    await withEngine(connOpts, io, ({ engine, conn }) =>
      withCancel(io, async (signal) => {
        const list = patterns.length ? patterns : conn.prefix ? [conn.prefix] : [];
        if (list.length === 0) throw new MqbError('USAGE', 'which boards? give -p <prefix> (repeat it, or a glob such as -p \'sim/*\'), or MQBOARD_PREFIX');
        const boards = await selectBoards(engine, conn.profile.id, list, opts, boardWaitMs(conn), conn.timeoutMs);
        const registry = engine.registry(conn.profile.id);
        const ota = otaEngineOf(engine);
        ota.on('progress', (p) => {
          if (p.phase === 'done' || p.phase === 'failed' || p.phase === 'cancelled') return display.done(p.prefix);
          if ((p.phase === 'resuming' || p.phase === 'queued') && p.message) display.log(`${p.prefix}: ${p.message}`);
          display.update(p.prefix, p.prefix, { done: p.sent, total: p.total, rate: p.rate, eta: p.eta, fraction: p.total ? p.sent / p.total : 1, elapsedMs: 0 }, p.phase);
        });
        const jobs: OtaJob[] = boards.map((board) => ({ board, image, sha256: checked.sha256 }));
        const results = await ota.start(jobs, {
          concurrency, attempts, signal, resume: opts.resume, timeoutMs: conn.timeoutMs, ...(sign && { sign }),
          // Battery boards: kept awake while bytes flow; a wake that ends early is waited for (--timeout each).
          ...wakeHooks(() => registry, conn.timeoutMs),
          ...(opts.reset && {
            afterUpload: (job, r, sig) => {
              display.log(`${r.prefix}: uploaded; resetting and waiting for it to come back...`);
              return resetAndWait(job.board as BoardClient, registry, { timeoutMs: resetWaitMs, ...(confirmMs !== undefined && { confirmTimeoutMs: confirmMs }), ...(r.partition && { expectPartition: r.partition }), ...(checked.appSha && { expectAppSha: checked.appSha }), ...(sig && { signal: sig }) });
            },
          }),
        });
        display.close();
        const failed = results.filter((r) => !r.ok);
        if (opts.json) printJson(io, { ok: failed.length === 0, image: { file, project: checked.project, version: checked.version, app_sha: checked.appSha, size: checked.size, sha256: checked.sha256 }, boards: results });
        else for (const r of results) io.stdout.write(`${resultLine(r)}\n`);
        if (failed.length) {
          const code = (failed[0]!.error?.code ?? 'BOARD_ERROR') as ErrorCode | 'INTERNAL';
          const message = `${failed.length} of ${results.length} board(s) not upgraded: ${failed.map((r) => r.prefix).join(', ')}`;
          throw alreadyReported(code === 'INTERNAL' || !(code in EXIT_CODES) ? 'BOARD_ERROR' : code, message);
        }
      }),
      { discover: patterns.some(isGlob) },
    );
  });
}
