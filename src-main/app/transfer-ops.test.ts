// Uploads and downloads through the ConsoleService over the real Engine, a fake broker session and
// a fake board that speaks the transfer commands: the request answers at once with an id,
// progress follows as events, cancel and a closed window abort the transfer, and a finished
// download waits for its client to take it.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventOf } from '../common/contract.js';
import { decodeFrame } from '../common/protocol.js';
import { Engine } from '../core/engine.js';
import { FakeSession } from '../core/fake-session.js';
import type { Published } from '../core/fake-session.js';
import { FakeTransferBoard } from '../core/fake-transfer-board.js';
import { ConsoleService } from './console-service.js';
import { createDispatcher } from './dispatcher.js';
import type { DispatcherOptions } from './dispatcher.js';
import { ProfileStore } from './profile-store.js';

type Progress = EventOf<'transfer.progress'>;
const PREFIX = 'sim/b1';
const CAPS = ['eval', 'get', 'put', 'ota', 'ls', 'stat', 'mkdir', 'rm', 'rmdir', 'mv'];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 256);
const services: ConsoleService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function setup(dispatcher: DispatcherOptions = {}) {
  const session = new (class extends FakeSession {
    close = async () => undefined;
  })();
  const board = new FakeTransferBoard(session, PREFIX);
  const engine = new Engine({ openSession: async () => session });
  const profiles = new ProfileStore({ builtin: [{ id: 'lab', name: 'Lab', url: 'mqtt://lab:1883' }] });
  const service = new ConsoleService({ info: { mode: 'web', version: 't' }, profiles, engine });
  services.push(service);
  const events: Progress[] = [];
  service.subscribe((e, d) => e === 'transfer.progress' && events.push(d as Progress));
  const dispatch = createDispatcher(service.handlers, dispatcher);
  const call = async (op: string, params: unknown, clientId = 'c1') => dispatch(op, params, { clientId });
  expect(await call('profiles.connect', { id: 'lab' })).toEqual({ ok: true, result: {} });
  session.deliver(`${PREFIX}/mqb/status`, JSON.stringify({ online: true, prefix: PREFIX, fw: '1.0.0', proto: 2, caps: CAPS, modules: { blinky: '1.0.0', faulty: 'failed: RuntimeError()' } }), { retain: true, dup: false });
  /** The board stops reading put messages after the first few: the upload stalls mid-way. */
  const stallPuts = (after: number) => {
    const answer = session.onPublish!;
    session.onPublish = (p: Published) => {
      if (p.topic.includes('/mqb/cmd/put/') && decodeFrame(p.payload).seq >= after) return;
      answer(p);
    };
  };
  const until = (phase: string, id: string) => vi.waitFor(() => expect(events.some((e) => e.transferId === id && e.phase === phase)).toBe(true), { timeout: 5_000 });
  const upload = async (path: string, data: Uint8Array, clientId = 'c1') => {
    const r = await call('board.upload', { profileId: 'lab', prefix: PREFIX, path, file: { kind: 'bytes', name: 'f.bin', data } }, clientId);
    expect(r).toMatchObject({ ok: true, result: { total: data.length } });
    return (r as { result: { transferId: string } }).result.transferId;
  };
  return { session, board, service, events, call, stallPuts, until, upload };
}

describe('file transfers from the UI', () => {
  it('answers an upload with its id at once, reports progress to done, and the board has the file', async () => {
    const { board, events, until, upload } = await setup();
    const data = bytes(200 * 1024);
    const id = await upload('/lib/data.bin', data);
    await until('done', id);
    expect(board.files.get('/lib/data.bin')).toEqual(data);
    const mine = events.filter((e) => e.transferId === id);
    expect(mine.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1])).toEqual(['starting', 'transferring', 'verifying', 'done']);
    expect(mine.at(-1)).toMatchObject({ prefix: PREFIX, path: '/lib/data.bin', direction: 'upload', sent: data.length, total: data.length, sha256: sha(data) });
    // Batched: far fewer events than the 50 messages that carried the file.
    expect(mine.length).toBeLessThan(20);
  });

  it('does not hold an upload to the request deadline: the request answers, the transfer goes on', async () => {
    const { session, board, events, until, upload } = await setup({ timeoutMs: () => 300 });
    // The board holds the upload's messages back until well after the 300 ms request deadline.
    const answer = session.onPublish!;
    const held: Published[] = [];
    session.onPublish = (p) => void held.push(p);
    const data = bytes(100 * 1024);
    const id = await upload('/slow.bin', data);
    await new Promise((r) => setTimeout(r, 600));
    expect(held.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.transferId === id).map((e) => e.phase)).not.toContain('failed');
    session.onPublish = answer;
    for (const p of held.splice(0)) answer(p);
    await until('done', id);
    expect(board.files.get('/slow.bin')).toEqual(data);
  });

  it('cancels an upload on request and leaves the old file on the board as it was', async () => {
    const { board, events, call, stallPuts, until, upload } = await setup();
    const old = bytes(10);
    board.files.set('/app.py', old);
    stallPuts(4);
    const id = await upload('/app.py', bytes(300 * 1024));
    await until('transferring', id);
    expect(await call('transfer.cancel', { transferId: id }, 'c2')).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(await call('transfer.cancel', { transferId: id })).toEqual({ ok: true, result: {} });
    await until('cancelled', id);
    expect(events.find((e) => e.transferId === id && e.phase === 'cancelled')).toMatchObject({ error: 'cancelled from the console', rate: 0 });
    expect(board.files.get('/app.py')).toEqual(old);
    expect(await call('transfer.cancel', { transferId: id })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('it ended') } });
  });

  it('stops the transfers of a window that closes, and only those', async () => {
    const { service, events, stallPuts, until, upload } = await setup();
    stallPuts(2);
    const mine = await upload('/a.bin', bytes(200 * 1024), 'c1');
    const other = await upload('/b.bin', bytes(200 * 1024), 'c2');
    await until('transferring', mine);
    service.clientGone('c1');
    await until('cancelled', mine);
    expect(events.find((e) => e.transferId === mine && e.phase === 'cancelled')?.error).toContain('window that started it was closed');
    expect(events.some((e) => e.transferId === other && e.phase === 'cancelled')).toBe(false);
  });

  it('keeps a finished download for the client that asked, which takes its bytes once', async () => {
    const { board, call, events, until } = await setup();
    const data = bytes(50_000);
    board.files.set('/log.txt', data);
    const r = (await call('board.download', { profileId: 'lab', prefix: PREFIX, path: '/log.txt' })) as { ok: true; result: { transferId: string } };
    const id = r.result.transferId;
    expect(await call('transfer.take', { transferId: id })).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('not finished') } });
    await until('done', id);
    expect(events.filter((e) => e.transferId === id).at(-1)).toMatchObject({ direction: 'download', sent: data.length, total: data.length, sha256: sha(data) });
    expect(await call('transfer.take', { transferId: id }, 'c2')).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(await call('transfer.take', { transferId: id })).toEqual({ ok: true, result: { name: 'log.txt', data, sha256: sha(data) } });
    expect(await call('transfer.take', { transferId: id })).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });

  it('reports a download that fails on the board as a failed transfer with the reason', async () => {
    const { call, events, until } = await setup();
    const r = (await call('board.download', { profileId: 'lab', prefix: PREFIX, path: '/missing.txt' })) as { ok: true; result: { transferId: string } };
    await until('failed', r.result.transferId);
    expect(events.find((e) => e.phase === 'failed')?.error).toContain('ENOENT');
  });

  it('puts the apps of a board and their state in its view', async () => {
    const { call } = await setup();
    const snap = await call('fleet.snapshot', { profileId: 'lab' });
    expect(snap).toMatchObject({ ok: true, result: [{ prefix: PREFIX, modules: { blinky: '1.0.0', faulty: 'failed: RuntimeError()' } }] });
  });
});
