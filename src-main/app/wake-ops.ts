// Battery boards from the UI: commands queued for a sleeping board's next wake (queue.*), the
// "stay awake" request (board.stayAwake), and what the background jobs (transfers, OTA) use to wait
// for a wake and keep the board up while they run. The queue itself is the engine's (WakeQueue):
// this puts the contract in front of it, gives every queued command an id the UI can cancel by,
// and reports each outcome as `queue.result`.
import { randomBytes } from 'node:crypto';
import { isSleeping } from '../common/board-state.js';
import { ConsoleError } from '../common/contract.js';
import type { EventOf, WakeCommand } from '../common/contract.js';
import { isMqbError, MqbError } from '../common/errors.js';
import { decodeText } from '../common/protocol.js';
import type { BoardClient } from '../core/board-client.js';
import { keepAwake, waitForWake } from '../core/keep-awake.js';
import { wakeQueueOf } from '../core/wake-queue.js';
import type { WakeJobInfo, WakeQueue } from '../core/wake-queue.js';
import { resetBoard } from './board-actions.js';
import type { HandlerGroup, ServiceContext } from './service-context.js';

/** How long a background job (transfer, OTA) waits for a sleeping board to wake. */
export const JOB_WAKE_WAIT_MS = 60 * 60_000;

const newQueueId = () => randomBytes(6).toString('base64url');
const commandsOf = (jobs: WakeJobInfo[]) => jobs.map((j) => ({ id: j.id, label: j.label.slice(0, 300), queuedAt: j.queuedAt, running: j.running }));

function labelOf(c: WakeCommand): string {
  if (c.kind === 'eval') return `eval ${c.source.split('\n', 1)[0]!.slice(0, 60)}`;
  if (c.kind === 'reset') return `reset (${c.mode})`;
  return 'clear the crash log';
}

async function runCommand(board: BoardClient, c: WakeCommand): Promise<string | undefined> {
  if (c.kind === 'eval') return decodeText(await board.request('eval', { payload: c.source }));
  if (c.kind === 'reset') return void (await resetBoard(board, c.mode));
  const reply = decodeText(await board.request('crashlog', { payload: 'clear' })).trim();
  if (reply !== 'OK') throw new MqbError('PROTOCOL', `crashlog clear answered "${reply.slice(0, 80)}"`);
  return undefined;
}

export class WakeOps {
  private readonly queue: WakeQueue;

  constructor(private readonly ctx: ServiceContext) {
    this.queue = wakeQueueOf(ctx.engine);
    this.queue.on('changed', ({ profileId, prefix, jobs }) => ctx.bus.emit('queue.changed', { profileId, prefix, commands: commandsOf(jobs) }));
  }

  handlers(): HandlerGroup<'board.stayAwake' | 'queue.add' | 'queue.cancel' | 'queue.list'> {
    return {
      'board.stayAwake': async (p, { clientId, signal }) => {
        const entry = await this.ctx.engine.registry(p.profileId).waitFor(p.prefix, 2_000);
        if (!entry.status?.caps.includes('awake')) throw new ConsoleError('UNSUPPORTED', `${p.prefix} does not sleep (no "awake" in its caps)`);
        if (entry.state.state === 'online') {
          await this.queue.stayAwake(p.profileId, p.prefix, p.seconds, { signal });
          return {};
        }
        const queueId = newQueueId();
        this.settle(p, queueId, `stay awake ${Math.round(p.seconds / 60)} min`, this.queue.stayAwake(p.profileId, p.prefix, p.seconds, { id: queueId, owner: clientId }).then(() => undefined));
        return { queueId };
      },
      'queue.add': async (p, { clientId }) => {
        await this.ctx.engine.registry(p.profileId).waitFor(p.prefix, 2_000); // NO_BOARD up front
        const queueId = newQueueId();
        const label = labelOf(p.command);
        this.settle(p, queueId, label, this.queue.run(p.profileId, p.prefix, { id: queueId, label, owner: clientId }, (board) => runCommand(board, p.command)));
        return { queueId };
      },
      'queue.cancel': async ({ queueId }, { clientId }) => {
        if (!this.queue.cancel(queueId, clientId)) throw new ConsoleError('USAGE', `no queued command ${queueId} (it ran already, or was not queued here)`);
        return {};
      },
      'queue.list': async ({ profileId }) => {
        const byBoard = new Map<string, WakeJobInfo[]>();
        for (const j of this.queue.list(profileId)) byBoard.set(j.prefix, [...(byBoard.get(j.prefix) ?? []), j]);
        return [...byBoard].map(([prefix, jobs]) => ({ prefix, commands: commandsOf(jobs) }));
      },
    };
  }

  /** A client went away: what it queued is dropped. */
  clientGone(clientId: string): void {
    this.queue.cancelOwner(clientId, 'cancelled: the window that queued it was closed');
  }

  close(): void {
    this.queue.close();
  }

  private settle(target: { profileId: string; prefix: string }, queueId: string, label: string, done: Promise<string | undefined>): void {
    const emit = (r: Omit<EventOf<'queue.result'>, 'profileId' | 'prefix' | 'queueId' | 'label'>) => this.ctx.bus.emit('queue.result', { profileId: target.profileId, prefix: target.prefix, queueId, label, ...r });
    done.then(
      (output) => emit({ ok: true, ...(output !== undefined && { output: output.slice(0, 1024 * 1024) }) }),
      (e: unknown) => emit({ ok: false, error: (e instanceof Error ? e.message : String(e)).slice(0, 2_000), ...(isMqbError(e) && e.code === 'CANCELLED' && { cancelled: true }) }),
    );
  }
}

/**
 * For a background job on a board that may sleep: waits for the wake when it is asleep or overdue
 * (`onQueued` first, so the UI can say "queued until wake"), then runs `fn` with the board kept awake.
 */
export async function whenAwake<T>(ctx: ServiceContext, profileId: string, board: BoardClient, signal: AbortSignal, onQueued: () => void, fn: () => Promise<T>): Promise<T> {
  const registry = ctx.engine.registry(profileId);
  const entry = registry.get(board.prefix);
  if (entry && isSleeping(entry.state.state)) {
    onQueued();
    await waitForWake(registry, board.prefix, { timeoutMs: JOB_WAKE_WAIT_MS, signal });
  }
  const stop = keepAwake(board);
  try {
    return await fn();
  } finally {
    stop();
  }
}
