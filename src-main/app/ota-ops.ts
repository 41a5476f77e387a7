// Firmware upgrades from the UI: inspect an image, start a job over many boards (running in the
// background, progress pushed as `ota.progress`), cancel it, and confirm or roll back an image.
import { randomBytes } from 'node:crypto';
import { ConsoleError } from '../common/contract.js';
import type { EventOf } from '../common/contract.js';
import { MqbError } from '../common/errors.js';
import { checkOtaImage, OtaEngine, sha256Hex } from '../core/ota-engine.js';
import type { OtaJob, OtaProgress } from '../core/ota-engine.js';
import type { FleetRegistry } from '../core/fleet-registry.js';
import { wakeHooks } from '../core/keep-awake.js';
import { confirmImage, resetBoard, rollbackImage } from './board-actions.js';
import { openBoard } from './service-context.js';
import { JOB_WAKE_WAIT_MS } from './wake-ops.js';
import type { HandlerGroup, ServiceContext } from './service-context.js';

/** Progress of one board while bytes flow: at most this often (phase changes always go out). */
const PROGRESS_EVERY_MS = 100;

export class OtaOps {
  private readonly jobs = new Map<string, AbortController>();

  constructor(private readonly ctx: ServiceContext) {}

  handlers(): HandlerGroup<'ota.inspect' | 'ota.start' | 'ota.cancel' | 'ota.confirm' | 'ota.rollback'> {
    const { ctx } = this;
    return {
      'ota.inspect': async ({ image }) => {
        const { name, data } = await ctx.files.read(image);
        try {
          const c = checkOtaImage(data, name);
          return { name, project: c.project, version: c.version, size: c.size, sha256: c.sha256 };
        } catch (err) {
          // Not an app image: still say what it is, with why it cannot be used.
          return { name, project: '', version: '', size: data.length, sha256: sha256Hex(data), error: (err as Error).message.slice(0, 2_000) };
        }
      },
      'ota.start': async ({ image, targets, reset }) => {
        const { name, data } = await ctx.files.read(image);
        const checked = checkOtaImage(data, name); // USAGE before anything is sent
        const jobId = randomBytes(6).toString('base64url');
        const controller = new AbortController();
        this.jobs.set(jobId, controller);
        void this.run(jobId, controller, targets, data, checked.sha256, reset).finally(() => this.jobs.delete(jobId));
        return { jobId };
      },
      'ota.cancel': async ({ jobId }) => {
        const job = this.jobs.get(jobId);
        if (!job) throw new ConsoleError('USAGE', `no running OTA job ${jobId} (it finished or never started)`);
        job.abort(new MqbError('CANCELLED', 'cancelled from the console'));
        return {};
      },
      'ota.confirm': async (p, { signal }) => {
        const board = await openBoard(ctx, p.profileId, p.prefix);
        await confirmImage(board, signal);
        // A board held in safe mode by the failed boots before goes back to normal.
        if (ctx.engine.registry(p.profileId).get(p.prefix)?.status?.safeMode) await resetBoard(board, 'normal', signal);
        return {};
      },
      'ota.rollback': async (p, { signal }) => {
        const board = await openBoard(ctx, p.profileId, p.prefix);
        const pending = ctx.engine.registry(p.profileId).get(p.prefix)?.status?.pendingVerify === true;
        await rollbackImage(board, pending, signal);
        return {};
      },
    };
  }

  cancelAll(): void {
    for (const c of this.jobs.values()) c.abort(new MqbError('CANCELLED', 'the console is closing'));
  }

  private async run(jobId: string, controller: AbortController, targets: { profileId: string; prefix: string }[], image: Uint8Array, sha256: string, reset: boolean): Promise<void> {
    const emit = (data: Omit<EventOf<'ota.progress'>, 'jobId'>) => this.ctx.bus.emit('ota.progress', { jobId, ...data });
    const base = { sent: 0, total: image.length, rate: 0, eta: null };
    for (const t of targets) emit({ prefix: t.prefix, phase: 'queued', ...base });
    const jobs: OtaJob[] = [];
    // Battery boards that sleep are upgraded at their wake (the engine waits for it and keeps them awake).
    const registries = new Map<unknown, FleetRegistry>();
    for (const t of targets) {
      try {
        const board = await openBoard(this.ctx, t.profileId, t.prefix, { allowAsleep: true });
        registries.set(board, this.ctx.engine.registry(t.profileId));
        jobs.push({ board, image, sha256 });
      } catch (err) {
        emit({ prefix: t.prefix, phase: 'failed', ...base, error: (err as Error).message.slice(0, 2_000) });
      }
    }
    const engine = new OtaEngine();
    const last = new Map<string, { phase: string; at: number }>();
    engine.on('progress', (p: OtaProgress) => {
      const now = Date.now();
      const prev = last.get(p.prefix);
      if (prev && prev.phase === p.phase && now - prev.at < PROGRESS_EVERY_MS) return;
      last.set(p.prefix, { phase: p.phase, at: now });
      emit({
        prefix: p.prefix,
        phase: p.phase,
        sent: p.sent,
        total: p.total,
        rate: p.rate,
        eta: p.eta ?? null,
        ...(p.phase === 'failed' && p.message !== undefined && { error: p.message.slice(0, 2_000) }),
      });
    });
    try {
      await engine.start(jobs, {
        signal: controller.signal,
        ...wakeHooks((board) => registries.get(board), JOB_WAKE_WAIT_MS),
        ...(reset && { afterUpload: (job, _result, signal) => resetBoard(job.board, 'hard', signal) }),
      });
    } catch (err) {
      for (const j of jobs) emit({ prefix: j.board.prefix, phase: 'failed', ...base, error: (err as Error).message.slice(0, 2_000) });
    }
  }
}
