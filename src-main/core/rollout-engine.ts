// Runs a rollout: starts the boards of the current wave (at most `concurrency` at once) through a
// BoardUpdater (rollout-firmware.ts for images), turns each outcome into a state event (the pure
// reducer in common/rollout-state.ts decides waves, threshold and the end), and saves the state
// after every change, so that a console restarted after a crash continues where it stopped:
// healthy boards are never done again, boards caught in flight start over (the OTA resumes).
import { EventEmitter, setMaxListeners } from 'node:events';
import { boardsToStart, reduce } from '../common/rollout-state.js';
import type { Rollout, RolloutEvent } from '../common/rollout-state.js';

export type BoardOutcome =
  | { kind: 'healthy'; fw?: string }
  | { kind: 'failed'; reason: string; rolledBack?: boolean; fw?: string }
  | { kind: 'skipped'; reason: string };

export interface UpdateContext {
  signal: AbortSignal;
  /** The new version is on the board and it is being reset: the health gate starts. */
  uploaded(): void;
  /** A line for people (why it waits, what came back). */
  note(text: string): void;
}

/** Updates one board and checks its health; throws CANCELLED only when the signal fired. */
export interface BoardUpdater {
  /** The version the board runs now, recorded before it is touched. */
  currentVersion(prefix: string): string | undefined;
  update(prefix: string, ctx: UpdateContext): Promise<BoardOutcome>;
}

export interface RolloutSaver {
  save(r: Rollout): Promise<void>;
}

export type RolloutProgress =
  | { type: 'state'; rollout: Rollout; event: RolloutEvent }
  | { type: 'note'; prefix: string; text: string }
  | { type: 'save-failed'; message: string };

export interface RolloutRunnerEvents {
  progress: [RolloutProgress];
}

export interface RolloutRunnerOptions {
  updater: BoardUpdater;
  store: RolloutSaver;
  now?: () => number;
}

export class RolloutRunner extends EventEmitter<RolloutRunnerEvents> {
  private current: Rollout;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly stopper = new AbortController();
  private saving: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private readonly now: () => number;

  constructor(rollout: Rollout, private readonly opts: RolloutRunnerOptions) {
    super();
    this.current = rollout;
    this.now = opts.now ?? Date.now;
    // Each board of the wave in flight (--concurrency of them) listens for the stop while it waits.
    setMaxListeners(0, this.stopper.signal);
  }

  get rollout(): Rollout {
    return this.current;
  }

  /** Applies an event, saves the result (in order), and tells the listeners. */
  apply(event: RolloutEvent): Rollout {
    const next = reduce(this.current, event, this.now());
    if (next === this.current) return next;
    this.current = next;
    this.saving = this.saving.then(() => this.opts.store.save(next)).catch((e: unknown) => {
      this.emit('progress', { type: 'save-failed', message: e instanceof Error ? e.message : String(e) });
    });
    this.emit('progress', { type: 'state', rollout: next, event });
    this.wake?.();
    return next;
  }

  /** Pauses: no new board starts; with `interrupt` the boards in flight stop too (done again on resume). */
  pause(reason: string, interrupt = false): void {
    this.apply({ type: 'pause', reason });
    if (interrupt) this.stopper.abort();
  }

  abort(reason?: string): void {
    this.apply({ type: 'abort', ...(reason && { reason }) });
    this.stopper.abort();
  }

  /** Runs until the rollout is done, failed, paused or aborted and no board is in flight. */
  async run(): Promise<Rollout> {
    await this.opts.store.save(this.current);
    for (;;) {
      for (const prefix of boardsToStart(this.current)) this.inFlight.set(prefix, this.updateOne(prefix));
      if (this.inFlight.size === 0) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        for (const p of this.inFlight.values()) void p.then(resolve);
      });
      this.wake = undefined;
    }
    await this.saving;
    return this.current;
  }

  private async updateOne(prefix: string): Promise<void> {
    const fromFw = this.opts.updater.currentVersion(prefix);
    this.apply({ type: 'board-started', prefix, ...(fromFw !== undefined && { fromFw }) });
    try {
      const outcome = await this.opts.updater.update(prefix, {
        signal: this.stopper.signal,
        uploaded: () => this.apply({ type: 'board-uploaded', prefix }),
        note: (text) => this.emit('progress', { type: 'note', prefix, text }),
      });
      if (this.stopper.signal.aborted) return; // stopped: stays in flight, requeued by resume
      if (outcome.kind === 'healthy') this.apply({ type: 'board-healthy', prefix, ...(outcome.fw !== undefined && { fw: outcome.fw }) });
      else if (outcome.kind === 'skipped') this.apply({ type: 'board-skipped', prefix, reason: outcome.reason });
      else this.apply({ type: 'board-failed', prefix, reason: outcome.reason, ...(outcome.rolledBack && { rolledBack: true }), ...(outcome.fw !== undefined && { fw: outcome.fw }) });
    } catch (e) {
      if (this.stopper.signal.aborted) return;
      this.apply({ type: 'board-failed', prefix, reason: e instanceof Error ? e.message : String(e) });
    } finally {
      this.inFlight.delete(prefix);
    }
  }
}
