// Battery boards through the ConsoleService over the real Engine and a fake sleeping board: the
// fleet view says asleep with the wake, queued commands are listed, cancelled by their client only,
// run at the wake with the result as an event; stay awake; an upload waits for the wake ("queued").
import { afterEach, describe, expect, it } from 'vitest';
import { eventSchema } from '../common/contract.js';
import type { EventName, EventOf } from '../common/contract.js';
import { validate } from '../common/schema.js';
import { Engine } from '../core/engine.js';
import { FakeSession } from '../core/fake-session.js';
import { FakeSleepyBoard } from '../core/fake-sleepy-board.js';
import { ConsoleService } from './console-service.js';
import { createDispatcher } from './dispatcher.js';
import { ProfileStore } from './profile-store.js';

const services: ConsoleService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function setup() {
  const session = new (class extends FakeSession {
    close = async () => undefined;
  })();
  const board = new FakeSleepyBoard(session, 'bat/b1', 600);
  board.inner.evalHandler = (code) => `ran ${code}`;
  const engine = new Engine({ openSession: async () => session });
  const service = new ConsoleService({ info: { mode: 'web', version: 't' }, profiles: new ProfileStore({ builtin: [{ id: 'lab', name: 'Lab', url: 'mqtt://lab:1883' }] }), engine });
  services.push(service);
  const events: [EventName, unknown][] = [];
  service.subscribe((e, d) => {
    const ok = validate(eventSchema(e), d);
    if (!ok.ok) throw new Error(`${e}: ${ok.error}`);
    events.push([e, d]);
  });
  const dispatch = createDispatcher(service.handlers);
  const call = async (op: string, params: unknown, clientId = 'c1') => dispatch(op, params, { clientId });
  expect(await call('profiles.connect', { id: 'lab' })).toEqual({ ok: true, result: {} });
  board.sleep();
  const of = <E extends EventName>(name: E) => events.filter(([e]) => e === name).map(([, d]) => d as EventOf<E>);
  const until = async (what: () => boolean) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(what()).toBe(true);
  };
  return { board, call, of, until, target: { profileId: 'lab', prefix: 'bat/b1' } };
}

describe('battery boards in the console service', () => {
  it('shows the board asleep with its wake and duty cycle', async () => {
    const { call } = await setup();
    const snap = (await call('fleet.snapshot', { profileId: 'lab' })) as { ok: true; result: EventOf<'fleet.changed'>['upserts'] };
    expect(snap.result[0]).toMatchObject({ prefix: 'bat/b1', online: false, state: 'asleep', sleep: { period: 600, awake: 2 } });
    expect(snap.result[0]!.wakeAt).toBeGreaterThan(Date.now() + 590_000);
  });

  it('queues commands until the wake, lists them, lets only their client cancel, and reports each result', async () => {
    const { board, call, of, until, target } = await setup();
    const a = (await call('queue.add', { ...target, command: { kind: 'eval', source: '6*7' } })) as { ok: true; result: { queueId: string } };
    const b = (await call('queue.add', { ...target, command: { kind: 'eval', source: '1' } })) as { ok: true; result: { queueId: string } };
    expect(of('queue.changed').at(-1)!.commands.map((c) => [c.label, c.running])).toEqual([['eval 6*7', false], ['eval 1', false]]);
    expect(await call('queue.list', { profileId: 'lab' })).toMatchObject({ ok: true, result: [{ prefix: 'bat/b1', commands: [{ id: a.result.queueId }, { id: b.result.queueId }] }] });
    expect(await call('queue.cancel', { queueId: b.result.queueId }, 'c2')).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(await call('queue.cancel', { queueId: b.result.queueId })).toEqual({ ok: true, result: {} });
    await until(() => of('queue.result').length === 1);
    expect(of('queue.result')[0]).toMatchObject({ queueId: b.result.queueId, ok: false, cancelled: true });
    expect(board.ran).toEqual([]);
    board.wake();
    await until(() => of('queue.result').length === 2);
    expect(of('queue.result')[1]).toEqual({ ...target, queueId: a.result.queueId, label: 'eval 6*7', ok: true, output: 'ran 6*7' });
    expect(board.ran.slice(0, 2)).toEqual(['awake', 'eval']);
    expect(of('queue.changed').at(-1)!.commands).toEqual([]);
  });

  it('stay awake: at the wake for a sleeping board (queued), at once for an online one', async () => {
    const { board, call, of, until, target } = await setup();
    const r = (await call('board.stayAwake', { ...target, seconds: 600 })) as { ok: true; result: { queueId?: string } };
    expect(r.result.queueId).toBeDefined();
    board.wake();
    await until(() => of('queue.result').length === 1);
    expect(of('queue.result')[0]).toMatchObject({ ok: true, label: 'stay awake 10 min' });
    expect(await call('board.stayAwake', { ...target, seconds: 0 })).toEqual({ ok: true, result: {} });
    expect(board.awakeRequests).toEqual([600, 0]);
  });

  it('an upload to a sleeping board is queued until the wake, then runs with the board kept awake', async () => {
    const { board, call, of, until, target } = await setup();
    const data = new TextEncoder().encode('print("hi")\n');
    const r = (await call('board.upload', { ...target, path: '/main.py', file: { kind: 'bytes', name: 'main.py', data } })) as { ok: true; result: { transferId: string } };
    expect(r.ok).toBe(true);
    await until(() => of('transfer.progress').some((p) => p.phase === 'queued'));
    board.wake();
    await until(() => of('transfer.progress').some((p) => p.phase === 'done'));
    expect(new TextDecoder().decode(board.inner.files.get('/main.py'))).toBe('print("hi")\n');
    expect(board.awakeRequests[0]).toBe(60);
  });
});
