// `mqboard rollout start|resume|retry|status|pause|abort`: staged firmware rollouts over the fleet
// (docs/rollouts.md). start, resume and retry run the rollout in the foreground until it is done,
// paused or failed (exit codes 0, 20, 21; 22 aborted); Ctrl-C pauses it, with its state saved under
// the data dir (MQBOARD_DATA_DIR), so `resume` continues it, in this process or after a crash.
import * as path from 'node:path';
import type { Command } from 'commander';
import { MqbError } from '../common/errors.js';
import { formatBytes } from '../common/ota-plan.js';
import {
  DEFAULT_CONCURRENCY, DEFAULT_GATE, DEFAULT_THRESHOLD, DEFAULT_WAVES, RolloutPlanError, describeTargets, newRolloutId, parseThreshold, parseWaves, selectTargets,
} from '../common/rollout-plan.js';
import type { HealthGate, RolloutDefinition, RolloutWhat } from '../common/rollout-plan.js';
import { ESP_IMAGE_MAGIC } from '../common/firmware-image.js';
import { SyncSpecError, parseSyncSpec } from '../common/sync-spec.js';
import type { ResolvedConnection } from '../core/broker-profile.js';
import type { Engine } from '../core/engine.js';
import { createRollout, isFinished, reduce } from '../common/rollout-state.js';
import type { Rollout, RolloutEvent } from '../common/rollout-state.js';
import { defaultDataDir } from '../core/data-dir.js';
import { readLocal } from '../core/file-transfer.js';
import { checkOtaImage, otaEngineOf } from '../core/ota-engine.js';
import { RolloutRunner } from '../core/rollout-engine.js';
import type { BoardUpdater } from '../core/rollout-engine.js';
import { rolloutUpdater } from '../core/rollout-updater.js';
import { RolloutStore } from '../core/rollout-store.js';
import type { CliIo } from './cli-io.js';
import { addConnectionOptions, optionsOf, printJson, withEngine } from './cli-context.js';
import type { GlobalOptions } from './cli-context.js';
import { settle } from './ota-command.js';
import { endLine, errorCodeOf, eventLines, rolloutJson, statusText } from './rollout-report.js';
import { addQuietOption, alreadyReported, progressFor } from './transfer-common.js';
import { addSignOption, signerOf } from './keys-command.js';
import { tagOption } from './tags-command.js';

interface RolloutCliOptions extends Omit<GlobalOptions, 'prefix'> {
  prefix?: string[];
  quiet?: boolean;
  waves?: string;
  threshold?: string;
  onlineWithin: string;
  confirmWithin: string;
  stable: string;
  concurrency: string;
  attempts: string;
  sign?: string;
  tag?: string;
}

const REQUEST_POLL_MS = 500;

function seconds(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new MqbError('USAGE', `${what} must be a number of seconds (got "${text}")`);
  return n;
}

function planned<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RolloutPlanError) throw new MqbError('USAGE', e.message);
    throw e;
  }
}

const storeFor = (io: CliIo) => new RolloutStore(defaultDataDir(io.env));

/** The updater of the rollout's kind, with this command's signing key, tries and wake waits. */
function updaterFor(r: Rollout, engine: Engine, conn: ResolvedConnection, opts: RolloutCliOptions, io: CliIo): Promise<BoardUpdater> {
  const sign = signerOf({ sign: opts.sign ?? r.def.signKey }, io);
  // --wait-wake of this command, or of the start that made the rollout (kept in its definition).
  const wakeWaitMs = opts.waitWake ? conn.timeoutMs : r.def.wakeWaitS !== undefined ? r.def.wakeWaitS * 1000 : undefined;
  return rolloutUpdater(r, { engine, profileId: conn.profile.id, timeoutMs: conn.timeoutMs, attempts: Number(opts.attempts) || 5, ...(sign && { sign }), ...(wakeWaitMs !== undefined && { wakeWaitMs }) });
}

/** An app image is a firmware rollout; anything else must be a sync spec (a file-set rollout). */
async function whatOf(file: string): Promise<RolloutWhat> {
  const data = await readLocal(file);
  if (data[0] === ESP_IMAGE_MAGIC || file.endsWith('.bin')) {
    const c = checkOtaImage(data, file);
    return { kind: 'firmware', file: path.resolve(file), sha256: c.sha256, size: c.size, version: c.version, project: c.project };
  }
  const text = new TextDecoder().decode(data);
  try {
    if (parseSyncSpec(text).length === 0) throw new SyncSpecError(1, 'no target directory block');
  } catch (e) {
    throw new MqbError('USAGE', `${file} is neither an ESP32 app image nor a sync spec (${(e as Error).message})`);
  }
  return { kind: 'files', spec: path.resolve(file) };
}

/** The rollout to run, found once connected (a new one needs the fleet's prefixes), and its first event. */
type RolloutSource = (engine: Engine, conn: ResolvedConnection) => Promise<{ rollout: Rollout; first?: RolloutEvent }>;

/** Connects, runs the rollout in the foreground (one process at a time: the lock); ends with its exit code. */
async function runForeground(source: RolloutSource, io: CliIo, opts: RolloutCliOptions, store: RolloutStore): Promise<void> {
  const connOpts = { ...opts, prefix: undefined, topic: undefined } as GlobalOptions;
  const final = await withEngine(connOpts, io, async ({ engine, conn }) => {
    await settle(engine, conn.profile.id, 3000);
    const { rollout, first } = await source(engine, conn);
    const release = await store.lock(rollout.def.id);
    try {
      const updater = await updaterFor(rollout, engine, conn, opts, io);
      const runner = new RolloutRunner(rollout, { updater, store });
      const display = progressFor(io, opts);
      const say = (line: string) => (opts.json ? undefined : display.print(io.stdout, line));
      otaEngineOf(engine).on('progress', (p) => {
        if (p.phase === 'done' || p.phase === 'failed' || p.phase === 'cancelled') return display.done(p.prefix);
        display.update(p.prefix, p.prefix, { done: p.sent, total: p.total, rate: p.rate, eta: p.eta, fraction: p.total ? p.sent / p.total : 1, elapsedMs: 0 }, p.phase);
      });
      let before = runner.rollout;
      runner.on('progress', (p) => {
        if (p.type === 'note') return opts.json ? undefined : display.log(p.text);
        if (p.type === 'save-failed') return display.log(`mqboard: warning: ${p.message}`);
        for (const line of eventLines(before, p.rollout, p.event)) say(line);
        before = p.rollout;
      });
      const offInterrupt = io.onInterrupt(() => runner.pause('interrupted (Ctrl-C)', true));
      const poll = setInterval(() => {
        void store.takeRequest(rollout.def.id).then((req) => {
          if (req === 'abort') runner.abort('aborted by `mqboard rollout abort`');
          else if (req === 'pause') runner.pause('paused by `mqboard rollout pause`', true);
        });
      }, REQUEST_POLL_MS);
      try {
        const what = rollout.def.what;
        say(`rollout ${rollout.def.id}: ${what.kind === 'firmware' ? `${what.version || '?'} (${formatBytes(what.size)})` : `file set ${what.spec}`} to ${Object.keys(rollout.boards).length} board(s) in ${rollout.waves.length} wave(s)`);
        if (first) runner.apply(first);
        else if (!isFinished(runner.rollout.status)) for (const line of eventLines({ ...runner.rollout, waves: [] }, runner.rollout, { type: 'resume' })) say(line);
        return await runner.run();
      } finally {
        clearInterval(poll);
        offInterrupt();
        display.close();
      }
    } finally {
      await release();
    }
  }, { discover: true });
  finish(final, io, opts);
}

function finish(r: Rollout, io: CliIo, opts: { json?: boolean }): void {
  if (opts.json) printJson(io, { ok: r.status === 'done', ...rolloutJson(r) });
  const code = errorCodeOf(r);
  if (code !== 'OK') throw alreadyReported(code, endLine(r));
}

function gateOf(opts: RolloutCliOptions): HealthGate {
  return { onlineWithinS: seconds(opts.onlineWithin, '--online-within'), confirmWithinS: seconds(opts.confirmWithin, '--confirm-within'), stableS: seconds(opts.stable, '--stable') };
}

async function start(file: string, opts: RolloutCliOptions, io: CliIo): Promise<void> {
  const patterns = opts.prefix ?? [];
  const tags = opts.tag === undefined ? [] : tagOption(opts.tag, '--tag');
  if (patterns.length === 0 && tags.length === 0) throw new MqbError('USAGE', 'which boards? give --prefix PATTERN (repeat it; globs such as \'sim/*\' match one topic level) and/or --tag TAG');
  const waves = opts.waves ? planned(() => parseWaves(opts.waves!)) : DEFAULT_WAVES;
  const threshold = opts.threshold ? planned(() => parseThreshold(opts.threshold!)) : DEFAULT_THRESHOLD;
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new MqbError('USAGE', `--concurrency must be a whole number >= 1 (got "${opts.concurrency}")`);
  const gate = gateOf(opts);
  const what = await whatOf(file);
  const store = storeFor(io);
  await runForeground(async (engine, conn) => {
    // Resolved once: the rollout keeps these boards, whatever their tags become later.
    const targets = selectTargets(engine.registry(conn.profile.id).list().map((e) => ({ prefix: e.prefix, tags: e.status?.tags ?? [] })), patterns, tags);
    if (targets.length === 0) throw new MqbError('NO_BOARD', `no board matches ${describeTargets({ patterns, tags })} (run \`mqboard fleet${tags.length ? ` --tag ${tags.join(',')}` : ''}\` to list them)`);
    const now = Date.now();
    const signKey = opts.sign ?? io.env.MQBOARD_SIGN_KEY;
    const def: RolloutDefinition = { id: newRolloutId(now), createdAt: now, patterns, ...(tags.length && { tags }), waves, gate, threshold, concurrency, what, ...(signKey && { signKey }),
      ...(opts.waitWake && { wakeWaitS: conn.timeoutMs / 1000 }) };
    const rollout = createRollout(def, targets, now);
    await store.save(rollout);
    return { rollout };
  }, io, opts, store);
}

export function registerRolloutCommand(program: Command, io: CliIo): void {
  const rollout = program.command('rollout').description('staged firmware rollouts with health gates (docs/rollouts.md); state under MQBOARD_DATA_DIR');
  const runOptions = (cmd: Command) => addSignOption(addQuietOption(addConnectionOptions(cmd)))
    .option('--attempts <n>', 'upload tries per board after drops', '5');
  const startCmd = runOptions(rollout.command('start').argument('<image|spec>', 'the firmware (an ESP32 app image, .bin) or a file set (a sync spec)').description('start a rollout and run it until it is done, paused or failed (Ctrl-C pauses)'))
    .option('--tag <tags>', 'only boards with these tags (comma-separated: all of them); with --prefix, within its patterns')
    .option('--waves <sizes>', 'wave sizes: boards or % of all, the last takes the rest', '1,10%,100%')
    .option('--threshold <k,p%>', 'pause when more than k boards or p % of a wave fail', '0')
    .option('--online-within <s>', 'gate: back online after the reset within', String(DEFAULT_GATE.onlineWithinS))
    .option('--confirm-within <s>', 'gate: new firmware confirmed (the board\'s all-OK) within', String(DEFAULT_GATE.confirmWithinS))
    .option('--stable <s>', 'gate: then up without a crash or reset for', String(DEFAULT_GATE.stableS))
    .option('--concurrency <n>', 'boards of a wave updated at the same time', String(DEFAULT_CONCURRENCY));
  for (const o of startCmd.options) if (o.long === '--prefix') o.argParser((v: string, prev: unknown) => [...(Array.isArray(prev) ? (prev as string[]) : []), v]);
  startCmd.action((file: string, _o: unknown, cmd: Command) => start(file, optionsOf(cmd) as unknown as RolloutCliOptions, io));

  const rerun = (name: string, event: RolloutEvent, what: string) =>
    runOptions(rollout.command(name).argument('[id]', 'the rollout (default: the latest)').description(what)).action(async (id: string | undefined, _o: unknown, cmd: Command) => {
      const store = storeFor(io);
      const rollout = await store.pick(id); // before connecting: a wrong id is told at once
      await runForeground(async () => ({ rollout: await store.load(rollout.def.id), first: event }), io, optionsOf(cmd) as unknown as RolloutCliOptions, store);
    });
  rerun('resume', { type: 'resume' }, 'continue a paused (or interrupted) rollout in the foreground; healthy boards are not redone');
  rerun('retry', { type: 'retry-failed' }, 'update the failed, rolled-back and skipped boards again, then continue');

  rollout.command('status').argument('[id]', 'the rollout (default: the latest)').option('--json', 'print it as JSON').option('--all', 'list every rollout').description('show a rollout: waves, per-board state, failures')
    .action(async (id: string | undefined, o: { json?: boolean; all?: boolean }, cmd: Command) => {
      const json = o.json || optionsOf(cmd).json;
      const store = storeFor(io);
      if (o.all) {
        const all = await store.list();
        if (json) return printJson(io, all.map(rolloutJson));
        for (const r of all) io.stdout.write(`${r.def.id}  ${r.status.padEnd(8)}  ${r.def.what.kind === 'firmware' ? r.def.what.version : r.def.what.spec}  ${describeTargets(r.def)}\n`);
        return;
      }
      const r = await store.pick(id);
      if (json) printJson(io, rolloutJson(r));
      else io.stdout.write(statusText(r));
    });

  const control = (name: 'pause' | 'abort', what: string) =>
    rollout.command(name).argument('[id]', 'the rollout (default: the latest)').description(what).action(async (id: string | undefined) => {
      const store = storeFor(io);
      const r = await store.pick(id);
      const pid = await store.runningPid(r.def.id);
      if (pid !== undefined) {
        await store.request(r.def.id, name);
        io.stdout.write(`rollout ${r.def.id}: asked process ${pid} to ${name} it (boards in flight stop; resume redoes them)\n`);
        return;
      }
      // Nobody runs it (a crashed console leaves it `running`): change the saved state directly.
      const next = reduce(r, name === 'abort' ? { type: 'abort' } : { type: 'pause', reason: 'paused by `mqboard rollout pause`' }, Date.now());
      await store.save(next);
      io.stdout.write(`${endLine(next)}\n`);
    });
  control('pause', 'pause a rollout (the process running it stops after its boards in flight)');
  control('abort', 'abort a rollout for good (boards already updated keep their new firmware)');
}
