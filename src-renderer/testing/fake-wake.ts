// Battery boards for the fake console: boards that sleep `period` s and wake for `awake` s, the
// commands queued until their wake (listed, cancellable, run in order at the wake with the result
// as `queue.result`) and "stay awake", as main's wake queue does.
import type { BoardView, EventName, EventOf, QueuedCommand, WakeCommand } from '../../src-main/common/contract.js';
import type { FakeBoard } from './fake-fleet.js';

interface Job extends QueuedCommand {
  profileId: string;
  prefix: string;
  command: WakeCommand | { kind: 'awake'; seconds: number };
}

export interface FakeCycle {
  period: number;
  awake: number;
  /** When the board changes next (ms). */
  next: number;
  /** Stay awake until (ms). */
  hold: number;
}

type Emit = <E extends EventName>(event: E, data: EventOf<E>) => void;

export const labelOf = (c: Job['command']): string =>
  c.kind === 'eval' ? `eval ${c.source.slice(0, 60)}` : c.kind === 'reset' ? `reset (${c.mode})` : c.kind === 'awake' ? `stay awake ${Math.round(c.seconds / 60)} min` : 'clear the crash log';

/** A battery board's view: asleep until `wakeAt`, or awake. */
export function sleepView(v: BoardView, asleep: boolean, cycle: FakeCycle, now: number): BoardView {
  const sleep = { period: cycle.period, awake: cycle.awake };
  if (!asleep) return { ...v, online: true, state: 'online', sleep, uptime: 0, wakeAt: undefined, lastSeen: now };
  return { ...v, online: false, state: 'asleep', sleep, wakeAt: now + cycle.period * 1000, uptime: null, lastSeen: now };
}

export class FakeWakeQueue {
  private jobs: Job[] = [];
  private ids = 0;

  constructor(private readonly emit: Emit) {}

  add(profileId: string, prefix: string, command: Job['command']): string {
    const id = `q${++this.ids}`;
    this.jobs.push({ id, profileId, prefix, command, label: labelOf(command), queuedAt: Date.now(), running: false });
    this.changed(profileId, prefix);
    return id;
  }

  cancel(id: string): boolean {
    const job = this.jobs.find((j) => j.id === id && !j.running);
    if (!job) return false;
    this.jobs = this.jobs.filter((j) => j !== job);
    this.changed(job.profileId, job.prefix);
    this.result(job, { ok: false, cancelled: true, error: 'cancelled before the board woke' });
    return true;
  }

  list(profileId: string): { prefix: string; commands: QueuedCommand[] }[] {
    const prefixes = [...new Set(this.jobs.filter((j) => j.profileId === profileId).map((j) => j.prefix))];
    return prefixes.map((prefix) => ({ prefix, commands: this.commandsOf(profileId, prefix) }));
  }

  /** The board woke: its queued commands run in order (`run` answers each, or throws). */
  wake(profileId: string, prefix: string, run: (c: Job['command']) => string | undefined): void {
    const mine = this.jobs.filter((j) => j.profileId === profileId && j.prefix === prefix);
    if (!mine.length) return;
    this.jobs = this.jobs.filter((j) => !mine.includes(j));
    this.changed(profileId, prefix);
    for (const job of mine) {
      try {
        const output = run(job.command);
        this.result(job, { ok: true, ...(output !== undefined && { output }) });
      } catch (e) {
        this.result(job, { ok: false, error: (e as Error).message });
      }
    }
  }

  private result(job: Job, r: { ok: boolean; output?: string; error?: string; cancelled?: boolean }): void {
    this.emit('queue.result', { profileId: job.profileId, prefix: job.prefix, queueId: job.id, label: job.label, ...r });
  }

  private commandsOf(profileId: string, prefix: string): QueuedCommand[] {
    return this.jobs.filter((j) => j.profileId === profileId && j.prefix === prefix).map(({ id, label, queuedAt, running }) => ({ id, label, queuedAt, running }));
  }

  private changed(profileId: string, prefix: string): void {
    this.emit('queue.changed', { profileId, prefix, commands: this.commandsOf(profileId, prefix) });
  }
}

/** Advances a battery board's cycle; returns its new view when it woke or fell asleep. */
export function advanceCycle(b: FakeBoard & { cycle?: FakeCycle }, now: number): 'woke' | 'slept' | undefined {
  const c = b.cycle;
  if (!c || now < c.next) return undefined;
  if (b.view.online) {
    if (now < c.hold) return undefined;
    b.view = sleepView(b.view, true, c, now);
    c.next = now + c.period * 1000;
    return 'slept';
  }
  b.view = sleepView(b.view, false, c, now);
  c.next = now + c.awake * 1000;
  return 'woke';
}
