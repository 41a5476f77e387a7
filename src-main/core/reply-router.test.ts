import { afterEach, describe, expect, it, vi } from 'vitest';
import { MqbError } from '../common/errors.js';
import { decodeText, encodeFrame, encodeText } from '../common/protocol.js';
import { BoardClient } from './board-client.js';
import { FakeSession } from './fake-session.js';
import { REPLY_IDLE_MS, ReplyRouter } from './reply-router.js';

const P = 'sim/b1';
const REPLIES = `${P}/mqb/reply/+/+`;
const single = (text: string) => encodeFrame(0x7fff, true, encodeText(text));
const out = (id: string) => `${P}/mqb/reply/out/${id}`;
const err = (id: string) => `${P}/mqb/reply/err/${id}`;

/** A session whose SUBACKs come when the test says so (or a refusal). */
class GatedSession extends FakeSession {
  private pending: Array<{ go: () => void; fail: (e: Error) => void }> = [];
  override subscribe(...args: Parameters<FakeSession['subscribe']>): ReturnType<FakeSession['subscribe']> {
    const subscribed = super.subscribe(...args);
    return new Promise((resolve, reject) => this.pending.push({ go: () => resolve(subscribed), fail: reject }));
  }
  suback(): void {
    for (const p of this.pending.splice(0)) p.go();
  }
  refuse(e: Error): void {
    for (const p of this.pending.splice(0)) p.fail(e);
  }
}

function client(session: FakeSession) {
  let n = 0;
  return new BoardClient(session, P, { newId: () => `id${++n}` });
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

afterEach(() => {
  vi.useRealTimers();
});

describe('reply routing: one reply subscription per board', () => {
  it('publishes nothing before the SUBACK; commands started meanwhile share the one SUBSCRIBE', async () => {
    const s = new GatedSession();
    s.onPublish = (p) => queueMicrotask(() => s.deliver(out(p.topic.split('/').pop()!), single(`for ${p.topic}`)));
    const c = client(s);
    const a = c.request('eval', { payload: '1' });
    const b = c.request('eval', { payload: '2' });
    await settle();
    expect(s.published).toEqual([]);
    expect(s.subscribeCalls).toBe(1);
    s.suback();
    expect(decodeText(await a)).toBe(`for ${P}/mqb/cmd/eval/id1`);
    expect(decodeText(await b)).toBe(`for ${P}/mqb/cmd/eval/id2`);
  });

  it('ignores a reply for an unknown id; the err topic ends only the command it names', async () => {
    const s = new FakeSession();
    const c = client(s);
    const first = c.request('eval', { payload: 'slow()' });
    const second = c.request('nope');
    await settle();
    s.deliver(out('someone-else'), single('not for us'));
    s.deliver(err('someone-else'), 'not for us either');
    s.deliver(err('id2'), "Command 'nope' not supported");
    const e = (await second.catch((x: unknown) => x)) as MqbError;
    expect(e).toBeInstanceOf(MqbError);
    expect(e.code).toBe('BOARD_ERROR');
    s.deliver(out('id1'), single('done'));
    expect(decodeText(await first)).toBe('done');
    // A late duplicate for a finished command changes nothing.
    s.deliver(out('id1'), single('again'));
    expect(ReplyRouter.for(s, P).active).toBe(0);
  });

  it('releases the subscription after the idle period and subscribes again for the next command', async () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    s.onPublish = (p) => queueMicrotask(() => s.deliver(out(p.topic.split('/').pop()!), single('ok')));
    const c = client(s);
    await c.request('eval', { payload: '1' });
    await vi.advanceTimersByTimeAsync(REPLY_IDLE_MS - 1000);
    await c.request('eval', { payload: '2' }); // within the idle period: the timer starts over
    await vi.advanceTimersByTimeAsync(REPLY_IDLE_MS - 1000);
    expect(s.subscribed(REPLIES)).toBe(true);
    expect(s.subscribeCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.subscriptions).toEqual([]);
    expect(s.unsubscribeCalls).toBe(1);
    await c.request('eval', { payload: '3' });
    expect(s.subscribeCalls).toBe(2);
    expect(s.subscribed(REPLIES)).toBe(true);
  });

  it('keeps the subscription while a long command runs, however long', async () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    const running = client(s).request('eval', { payload: 'long()', timeoutMs: 10 * REPLY_IDLE_MS });
    await vi.advanceTimersByTimeAsync(3 * REPLY_IDLE_MS);
    expect(s.subscribed(REPLIES)).toBe(true);
    s.deliver(out('id1'), single('finally'));
    expect(decodeText(await running)).toBe('finally');
  });

  it('a refused subscription fails the command without publishing it; the next command asks again', async () => {
    const s = new GatedSession();
    const c = client(s);
    const refused = c.request('eval', { payload: '1' }).catch((x: unknown) => x);
    await settle();
    s.refuse(new MqbError('AUTH', `the broker refused the subscription to ${REPLIES} (not authorized for this user)`));
    expect(((await refused) as MqbError).code).toBe('AUTH');
    expect(s.published).toEqual([]);
    s.onPublish = () => queueMicrotask(() => s.deliver(out('id2'), single('ok')));
    const ok = c.request('eval', { payload: '1' });
    await settle();
    s.suback();
    expect(decodeText(await ok)).toBe('ok');
    expect(s.subscribeCalls).toBe(2);
  });

  it('is shared by every client of the same board on a session, separate per board', () => {
    const s = new FakeSession();
    expect(ReplyRouter.for(s, P)).toBe(ReplyRouter.for(s, P));
    expect(ReplyRouter.for(s, 'sim/b2')).not.toBe(ReplyRouter.for(s, P));
    expect(ReplyRouter.for(new FakeSession(), P)).not.toBe(ReplyRouter.for(s, P));
  });
});
