// Fleet rollouts from the UI (docs/rollouts.md), of a firmware image or of a file set (an app's
// folder, rollout-file-set.ts): the same state files, lock, runner and updaters
// as `mqboard rollout`, so a rollout started here shows in `mqboard rollout status` and a CLI's
// rollout shows here. A rollout runs in the background of the console; its changes go out as
// `rollouts.changed`. Pause and abort of a rollout another process runs go through the store's
// request file, as `mqboard rollout pause|abort` do; this console answers such requests too.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ConsoleError } from '../common/contract.js';
import { MAX_TAGS } from '../common/board-tags.js';
import type { ParamsOf, RolloutSummary, RolloutView } from '../common/contract.js';
import {
  DEFAULT_CONCURRENCY, DEFAULT_GATE, DEFAULT_THRESHOLD, DEFAULT_WAVES, RolloutPlanError, describeTargets, describeWhat, formatWaves, newRolloutId, parseThreshold, parseWaves, selectTargets,
} from '../common/rollout-plan.js';
import type { RolloutDefinition } from '../common/rollout-plan.js';
import { createRollout, isFinished, reduce } from '../common/rollout-state.js';
import type { Rollout, RolloutEvent } from '../common/rollout-state.js';
import { checkOtaImage, otaEngineOf } from '../core/ota-engine.js';
import type { OtaProgress } from '../core/ota-engine.js';
import { RolloutRunner } from '../core/rollout-engine.js';
import { RolloutStore } from '../core/rollout-store.js';
import { rolloutUpdater } from '../core/rollout-updater.js';
import { ProgressThrottle } from './progress-throttle.js';
import { checkFileSet, storeFileSet } from './rollout-file-set.js';
import type { HandlerGroup, ServiceContext } from './service-context.js';

/** A board silent this long is gone (the CLI's default --timeout). */
const BOARD_TIMEOUT_MS = 10_000;
const REQUEST_POLL_MS = 500;
const UPLOAD_ATTEMPTS = 5;

type RolloutOp = 'rollouts.list' | 'rollouts.get' | 'rollouts.start' | 'rollouts.pause' | 'rollouts.resume' | 'rollouts.abort' | 'rollouts.retryFailed';

interface Running {
  runner: RolloutRunner;
  profileId: string;
  done: Promise<void>;
}

/** Within the contract's limits: a CLI-made rollout may hold longer texts than the UI could send. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function planned<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RolloutPlanError) throw new ConsoleError('USAGE', e.message);
    throw e;
  }
}

/** For people: a file set the UI sent is named by its folder, not by where the data dir keeps it. */
function whatOf(d: Rollout['def']): string {
  if (d.what.kind !== 'files') return describeWhat(d.what);
  const kept = `${path.sep}${d.id}.files${path.sep}`;
  const at = d.what.spec.indexOf(kept);
  return at < 0 ? describeWhat(d.what) : `file set ${d.what.spec.slice(at + kept.length).split(path.sep).join('/')}`;
}

export function summaryOf(r: Rollout, runner: RolloutSummary['runner'], profileId?: string): RolloutSummary {
  const d = r.def;
  return {
    id: d.id, createdAt: d.createdAt, updatedAt: r.updatedAt, status: r.status, ...(r.reason !== undefined && { reason: clip(r.reason, 20_000) }),
    kind: d.what.kind, what: clip(whatOf(d), 5_000),
    ...(d.what.kind === 'firmware' && { version: clip(d.what.version, 100), size: d.what.size }),
    patterns: d.patterns.slice(0, 100).map((p) => clip(p, 200)), ...(d.tags?.length && { tags: d.tags.slice(0, MAX_TAGS) }), waveSizes: clip(formatWaves(d.waves), 500), gate: d.gate, threshold: d.threshold, concurrency: d.concurrency,
    ...(d.wakeWaitS !== undefined && { wakeWaitS: d.wakeWaitS }),
    boards: Object.keys(r.boards).length, runner, ...(profileId && { profileId }),
  };
}

export function viewOf(r: Rollout, runner: RolloutSummary['runner'], profileId?: string): RolloutView {
  const waves = r.waves.map((group) => group.map((prefix) => {
    const b = r.boards[prefix]!;
    return {
      prefix, phase: b.phase, ...(b.reason !== undefined && { reason: clip(b.reason, 2_000) }),
      // A file set's "version" is the board's module list: long on a board with many apps.
      ...(b.fromFw !== undefined && { fromFw: clip(b.fromFw, 500) }), ...(b.fw !== undefined && { fw: clip(b.fw, 500) }), ...(b.at !== undefined && { at: b.at }),
    };
  }));
  return { ...summaryOf(r, runner, profileId), waves };
}

export class RolloutOps {
  readonly store: RolloutStore;
  private readonly running = new Map<string, Running>();
  private readonly throttles = new Map<string, ProgressThrottle<{ phase: string; rollout: Rollout }>>();
  private readonly uploads = new Map<string, ProgressThrottle<OtaProgress & { id: string }>>();

  constructor(private readonly ctx: ServiceContext, dataDir: string) {
    this.store = new RolloutStore(dataDir);
    // The engine's shared OTA engine carries the rollouts' uploads only (direct updates run their own).
    otaEngineOf(ctx.engine).on('progress', (p) => this.onUpload(p));
  }

  handlers(): HandlerGroup<RolloutOp> {
    return {
      'rollouts.list': async () => Promise.all((await this.store.list()).map(async (r) => this.describe(r, summaryOf))),
      'rollouts.get': async ({ id }) => this.describe(await this.current(id), viewOf),
      'rollouts.start': (p) => this.start(p),
      'rollouts.pause': ({ id }) => this.control(id, 'pause'),
      'rollouts.abort': ({ id }) => this.control(id, 'abort'),
      'rollouts.resume': ({ id, profileId }) => this.rerun(id, profileId, { type: 'resume' }),
      'rollouts.retryFailed': ({ id, profileId }) => this.rerun(id, profileId, { type: 'retry-failed' }),
    };
  }

  /** The console is closing: its rollouts pause (boards in flight are redone on resume). */
  async close(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.runner.pause('the console closed', true);
    await Promise.all(all.map((r) => r.done));
  }

  private async describe<T>(r: Rollout, as: (r: Rollout, runner: RolloutSummary['runner'], profileId?: string) => T): Promise<T> {
    const here = this.running.get(r.def.id);
    if (here) return as(here.runner.rollout, 'here', here.profileId);
    return as(r, (await this.store.runningPid(r.def.id)) !== undefined ? 'other' : 'none');
  }

  private async current(id: string): Promise<Rollout> {
    return this.running.get(id)?.runner.rollout ?? this.store.load(id);
  }

  private async start(p: ParamsOf<'rollouts.start'>): Promise<{ id: string }> {
    const waves = p.waves ? planned(() => parseWaves(p.waves!)) : DEFAULT_WAVES;
    const threshold = p.threshold ? planned(() => parseThreshold(p.threshold!)) : DEFAULT_THRESHOLD;
    const gate = { onlineWithinS: p.onlineWithinS ?? DEFAULT_GATE.onlineWithinS, confirmWithinS: p.confirmWithinS ?? DEFAULT_GATE.confirmWithinS, stableS: p.stableS ?? DEFAULT_GATE.stableS };
    if (!p.image === !p.fileSet) throw new ConsoleError('USAGE', 'a rollout sends a firmware image or a file set: give one of them');
    const image = p.image && (await this.ctx.files.read(p.image));
    const firmware = image && checkOtaImage(image.data, image.name); // USAGE for anything but an ESP32 app image
    if (p.fileSet) checkFileSet(p.fileSet);
    const tags = p.tags ?? [];
    const known = this.ctx.engine.registry(p.profileId).list().map((e) => ({ prefix: e.prefix, tags: e.status?.tags ?? [] }));
    const targets = planned(() => selectTargets(known, p.patterns, tags));
    if (targets.length === 0) throw new ConsoleError('NO_BOARD', `no board of this broker matches ${describeTargets({ patterns: p.patterns, tags })}`);
    const now = Date.now();
    const id = newRolloutId(now);
    // What goes out is kept beside the state: a resume (here after a restart, or by the CLI) reads it again.
    await fs.mkdir(this.store.dir, { recursive: true, mode: 0o700 });
    let what: RolloutDefinition['what'];
    if (image && firmware) {
      const file = path.join(this.store.dir, `${id}.bin`);
      await fs.writeFile(file, image.data, { mode: 0o600 });
      what = { kind: 'firmware', file, sha256: firmware.sha256, size: firmware.size, version: firmware.version, project: firmware.project };
    } else {
      what = { kind: 'files', spec: await storeFileSet(p.fileSet!, path.join(this.store.dir, `${id}.files`)) };
    }
    const def: RolloutDefinition = {
      id, createdAt: now, patterns: p.patterns, ...(tags.length && { tags }), waves, gate, threshold, concurrency: p.concurrency ?? DEFAULT_CONCURRENCY, what,
      ...(p.wakeWaitS !== undefined && { wakeWaitS: p.wakeWaitS }),
    };
    const rollout = createRollout(def, targets, now);
    await this.store.save(rollout);
    await this.launch(rollout, p.profileId);
    return { id };
  }

  /** Pause or abort: the runner here, the process that runs it, or the saved state when nobody does. */
  private async control(id: string, what: 'pause' | 'abort'): Promise<Record<string, never>> {
    const here = this.running.get(id);
    if (here) {
      if (what === 'abort') here.runner.abort('aborted from the console');
      else here.runner.pause('paused from the console', true);
      return {};
    }
    const r = await this.store.load(id);
    if ((await this.store.runningPid(id)) !== undefined) {
      await this.store.request(id, what);
      return {};
    }
    const next = reduce(r, what === 'abort' ? { type: 'abort', reason: 'aborted from the console' } : { type: 'pause', reason: 'paused from the console' }, Date.now());
    if (next === r) throw new ConsoleError('USAGE', `rollout ${id} is ${r.status}: nothing to ${what}`);
    await this.store.save(next);
    this.publish(next, true);
    return {};
  }

  private async rerun(id: string, profileId: string, first: RolloutEvent): Promise<Record<string, never>> {
    const here = this.running.get(id);
    if (here) {
      if (here.runner.rollout.status === 'running') throw new ConsoleError('USAGE', `rollout ${id} is running already`);
      await here.done; // a paused runner stops for good once its boards in flight are stopped
    }
    const r = await this.store.load(id);
    if (r.def.signKey) throw new ConsoleError('NOT_AVAILABLE', `rollout ${id} signs its updates with ${r.def.signKey}: resume it with \`mqboard rollout resume ${id}\``);
    if (r.status === 'aborted') throw new ConsoleError('USAGE', `rollout ${id} was aborted; start a new one`);
    if (first.type === 'resume' && isFinished(r.status)) throw new ConsoleError('USAGE', `rollout ${id} is ${r.status}: nothing to resume${r.status === 'failed' ? ' (retry its failed boards instead)' : ''}`);
    await this.launch(r, profileId, first);
    return {};
  }

  /** Takes the lock (refused while another process runs it) and runs the rollout in the background. */
  private async launch(rollout: Rollout, profileId: string, first?: RolloutEvent): Promise<void> {
    const id = rollout.def.id;
    const release = await this.store.lock(id);
    let runner: RolloutRunner;
    try {
      const updater = await rolloutUpdater(rollout, {
        engine: this.ctx.engine, profileId, timeoutMs: BOARD_TIMEOUT_MS, attempts: UPLOAD_ATTEMPTS,
        ...(rollout.def.wakeWaitS !== undefined && { wakeWaitMs: rollout.def.wakeWaitS * 1000 }),
      });
      runner = new RolloutRunner(rollout, { updater, store: this.store });
    } catch (e) {
      await release();
      throw e;
    }
    runner.on('progress', (p) => {
      if (p.type === 'state') this.publish(p.rollout);
      else if (p.type === 'save-failed') console.error(`mqboard: rollout ${id}: ${p.message}`);
    });
    // `mqboard rollout pause|abort` from a terminal while this console runs it.
    const poll = setInterval(() => {
      void this.store.takeRequest(id).then((req) => {
        if (req === 'abort') runner.abort('aborted by `mqboard rollout abort`');
        else if (req === 'pause') runner.pause('paused by `mqboard rollout pause`', true);
      }, () => undefined);
    }, REQUEST_POLL_MS);
    const entry: Running = { runner, profileId, done: Promise.resolve() };
    this.running.set(id, entry);
    entry.done = (async () => {
      try {
        if (first) runner.apply(first);
        await runner.run();
      } catch (e) {
        runner.pause(`stopped: ${e instanceof Error ? e.message : String(e)}`, true);
      } finally {
        clearInterval(poll);
        await release().catch(() => undefined);
        this.running.delete(id);
        this.publish(runner.rollout, true);
      }
    })();
  }

  private onUpload(p: OtaProgress): void {
    const run = [...this.running.values()].find((r) => {
      const phase = r.runner.rollout.boards[p.prefix]?.phase;
      return phase === 'updating' || phase === 'verifying'; // the upload's end comes once the gate started
    });
    if (!run) return;
    const id = run.runner.rollout.def.id;
    const key = `${id}\n${p.prefix}`;
    let t = this.uploads.get(key);
    if (!t) {
      t = new ProgressThrottle((e) => this.ctx.bus.emit('rollouts.upload', { id: e.id, prefix: e.prefix, phase: e.phase, sent: e.sent, total: e.total, rate: e.rate }));
      this.uploads.set(key, t);
    }
    t.push({ ...p, id });
    if (p.phase === 'done' || p.phase === 'failed' || p.phase === 'cancelled') this.uploads.delete(key);
  }

  /** At most 10 events a second per rollout; a status change, and the last state, always go out. */
  private publish(r: Rollout, final = false): void {
    const id = r.def.id;
    let t = this.throttles.get(id);
    if (!t) {
      t = new ProgressThrottle(({ rollout }) => {
        const here = this.running.get(rollout.def.id);
        this.ctx.bus.emit('rollouts.changed', { rollout: viewOf(rollout, here ? 'here' : 'none', here?.profileId) });
      });
      this.throttles.set(id, t);
    }
    t.push({ phase: final ? `final-${r.updatedAt}` : r.status, rollout: r });
    if (final) this.throttles.delete(id);
  }
}
