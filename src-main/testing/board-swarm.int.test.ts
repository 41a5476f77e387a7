// The console at fleet scale against a protocol-level swarm on each real broker (mosquitto, and
// aedes, the embedded default): 3,000 known boards, 300
// online with status churn, 50 logging. The real Engine lists them all with the right states, an
// eval round-trips to a swarm board, a board that drops off turns offline by its will, and the
// web-mode contract's `fleet.snapshot` pages return every board exactly once, and a firmware
// rollout goes through 40 of them in waves (upload, reset, back on the new version, confirmed).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BoardView } from '../common/contract.js';
import { ConsoleService } from '../app/console-service.js';
import { createDispatcher } from '../app/dispatcher.js';
import type { Dispatch } from '../app/dispatcher.js';
import { ProfileStore } from '../app/profile-store.js';
import { Engine } from '../core/engine.js';
import { buildAppImage } from '../sim/firmware-image-builder.js';
import { BoardSwarm, swarmEval } from './board-swarm.js';
import { runFirmwareRollout } from './swarm-rollout.js';
import { BROKER_KINDS, startTestBroker } from './brokers.js';
import type { TestBroker } from './brokers.js';

const KNOWN = 3_000;
const ONLINE = 300;

async function call<T>(dispatch: Dispatch, op: string, params: unknown): Promise<T> {
  const reply = await dispatch(op, params, { clientId: 'swarm-test' });
  if (!reply.ok) throw new Error(`${op}: ${reply.error.code} ${reply.error.message}`);
  return reply.result as T;
}

async function allPages(dispatch: Dispatch, profileId: string): Promise<{ boards: BoardView[]; pages: number }> {
  const boards: BoardView[] = [];
  let pages = 0;
  for (let after: string | undefined; ;) {
    const page = await call<BoardView[]>(dispatch, 'fleet.snapshot', { profileId, ...(after !== undefined && { after }) });
    pages++;
    boards.push(...page);
    if (page.length < 1_000) return { boards, pages };
    after = page.at(-1)!.prefix;
  }
}

describe.each(BROKER_KINDS)('a 3,000-board swarm on %s', (kind) => {
  let broker: TestBroker;
  let swarm: BoardSwarm;
  let engine: Engine;
  let service: ConsoleService;
  let dispatch: Dispatch;
  let profileId: string;

  beforeAll(async () => {
    broker = await startTestBroker(kind);
    swarm = await BoardSwarm.start({ url: broker.url, known: KNOWN, online: ONLINE, logging: 50, logLinesPerSecond: 10, churnPerSecond: 100 });
    engine = new Engine();
    service = new ConsoleService({ info: { mode: 'web', version: 't' }, profiles: new ProfileStore(), engine });
    dispatch = createDispatcher(service.handlers);
    ({ id: profileId } = await call<{ id: string }>(dispatch, 'profiles.save', { name: 'Swarm', url: broker.url }));
    await call(dispatch, 'profiles.connect', { id: profileId });
    await vi.waitFor(() => expect(engine.registry(profileId).list()).toHaveLength(KNOWN), { timeout: 20_000, interval: 200 });
  }, 50_000);

  afterAll(async () => {
    await service?.close();
    await swarm?.close();
    await broker?.close();
  });

  it('lists every board with its state', () => {
    const entries = engine.registry(profileId).list();
    const online = new Set(swarm.onlinePrefixes);
    expect(new Set(entries.map((e) => e.prefix))).toEqual(new Set(swarm.prefixes));
    expect(entries.filter((e) => e.state.state === 'online').map((e) => e.prefix).sort()).toEqual([...online].sort());
    expect(entries.filter((e) => !online.has(e.prefix)).every((e) => e.state.state === 'offline')).toBe(true);
  });

  it('round-trips an eval to a swarm board', async () => {
    const target = swarm.onlinePrefixes[123]!;
    await expect(call(dispatch, 'board.eval', { profileId, prefix: target, source: '1+1' })).resolves.toEqual({ output: '2' });
    await expect(call(dispatch, 'board.eval', { profileId, prefix: target, source: 'import os' })).rejects.toThrow(/integer arithmetic/);
  });

  it('shows a board that drops off as offline (its last will)', async () => {
    const target = swarm.onlinePrefixes[7]!;
    swarm.drop(target);
    await vi.waitFor(() => expect(engine.registry(profileId).get(target)?.state.state).toBe('offline'), { timeout: 10_000, interval: 100 });
  });

  it('pages fleet.snapshot over every board exactly once', async () => {
    const { boards, pages } = await allPages(dispatch, profileId);
    expect(pages).toBe(Math.floor(KNOWN / 1_000) + 1);
    const prefixes = boards.map((b) => b.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(new Set(prefixes)).toEqual(new Set(swarm.prefixes));
    expect(boards.filter((b) => b.online)).toHaveLength(ONLINE - 1); // one dropped off above
  });

  it('keeps the churned statuses current', async () => {
    const target = swarm.onlinePrefixes[200]!;
    await swarm.churn(target);
    // Later churn may republish it again: the registry catches up with the latest.
    await vi.waitFor(() => expect(engine.registry(profileId).get(target)?.status?.memFree).toBe(swarm.lastMemFree(target)), { timeout: 10_000, interval: 100 });
    expect(swarm.counts.logLines).toBeGreaterThan(0);
  });

  it('rolls a firmware image out to 40 boards in waves: each back on the other slot with the new version, confirmed', async () => {
    const targets = swarm.onlinePrefixes.slice(100, 140);
    const image = buildAppImage({ version: 'v1.3.0-swarm', totalSize: 48_000 });
    const { rollout } = await runFirmwareRollout(engine, profileId, {
      image, version: 'v1.3.0-swarm', targets, waves: [{ count: 1 }, { percent: 10 }, { percent: 100 }], concurrency: 20,
      gate: { onlineWithinS: 20, confirmWithinS: 10, stableS: 1 },
    });
    expect(rollout.status, rollout.reason).toBe('done');
    expect(Object.values(rollout.boards).map((b) => b.phase)).toEqual(targets.map(() => 'healthy'));
    for (const p of targets) expect(swarm.firmwareOf(p)?.state).toMatchObject({ fw: 'v1.3.0-swarm', partition: 'ota_1', pendingVerify: false });
    expect(engine.registry(profileId).get(targets[0]!)?.status).toMatchObject({ fw: 'v1.3.0-swarm', partition: 'ota_1', pendingVerify: false, resetCause: 'hard' });
    expect(swarm.firmwareOf(swarm.onlinePrefixes[99]!)?.state.fw).toBe('1.2.0'); // not a target: untouched
  }, 60_000);
});

describe('swarmEval', () => {
  it('evaluates integer arithmetic and refuses anything else', () => {
    expect(swarmEval('1+1')).toEqual({ output: '2' });
    expect(swarmEval('(2 + 3) * 4')).toEqual({ output: '20' });
    expect(swarmEval('process.exit()')).toHaveProperty('error');
  });
});
