import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeText, encodeFrame, encodeText } from '../common/protocol.js';
import { FakeSession } from './fake-session.js';

import { P, single, out, err, noRoutes, client, rejection } from './board-client-testing.js';

const frame = (seq: number, last: boolean, text: string) => encodeFrame(seq, last, encodeText(text));
const REPLIES = `${P}/mqb/reply/+/+`;

afterEach(() => {
  vi.useRealTimers();
});

describe('BoardClient.request', () => {
  it('subscribes to the reply topics before publishing one framed command, and keeps the subscription for the next command', async () => {
    const s = new FakeSession();
    s.onPublish = (p) => {
      expect(s.subscribed(REPLIES)).toBe(true);
      expect(p.topic).toBe(`${P}/mqb/cmd/eval/id${s.published.length}`);
      expect([...p.payload.subarray(0, 2)]).toEqual([0x80, 0x00]);
      expect(decodeText(p.payload.subarray(2))).toBe('6*7');
      expect(p.qos).toBe(1);
      queueMicrotask(() => s.deliver(out(`id${s.published.length}`), single('42')));
    };
    const c = client(s);
    expect(decodeText(await c.request('eval', { payload: '6*7' }))).toBe('42');
    expect(decodeText(await c.request('eval', { payload: '6*7' }))).toBe('42');
    expect(s.subscriptions.map((x) => x.filter)).toEqual([REPLIES]);
    expect(s.subscribeCalls).toBe(1);
    expect(s.unsubscribeCalls).toBe(0);
    expect(noRoutes(s)).toBe(true);
  });

  it('puts the tail in the topic (paths keep their slashes)', async () => {
    const s = new FakeSession();
    s.onPublish = () => queueMicrotask(() => s.deliver(out('id1'), single('OK')));
    await client(s).request('mkdir', { tail: '/lib/x' });
    expect(s.published[0]!.topic).toBe(`${P}/mqb/cmd/mkdir/id1//lib/x`);
  });

  it('joins sequenced frames in order, drops redelivered ones, streams each payload to onFrame', async () => {
    const s = new FakeSession();
    const seen: string[] = [];
    s.onPublish = () =>
      queueMicrotask(() => {
        s.deliver(out('id1'), frame(0, false, 'ab'));
        s.deliver(out('id1'), frame(0, false, 'ab')); // QoS 1 redelivery
        s.deliver(out('id1'), frame(1, false, 'cd'));
        s.deliver(out('id1'), frame(2, true, 'ef'));
      });
    const reply = await client(s).request('get', { tail: 'x', onFrame: (p) => seen.push(decodeText(p)) });
    expect(decodeText(reply)).toBe('abcdef');
    expect(seen).toEqual(['ab', 'cd', 'ef']);
  });

  it('ignores SEQ acks (never a result)', async () => {
    const s = new FakeSession();
    s.onPublish = () =>
      queueMicrotask(() => {
        s.deliver(out('id1'), single('SEQ 0'));
        s.deliver(out('id1'), single('done'));
      });
    expect(decodeText(await client(s).request('exec', { payload: 'x' }))).toBe('done');
  });

  it('reports a gap in the reply sequence as PROTOCOL and unsubscribes', async () => {
    const s = new FakeSession();
    s.onPublish = () =>
      queueMicrotask(() => {
        s.deliver(out('id1'), frame(0, false, 'a'));
        s.deliver(out('id1'), frame(2, true, 'c'));
      });
    const e = await rejection(client(s).request('get', { tail: 'f' }));
    expect(e.code).toBe('PROTOCOL');
    expect(e.message).toMatch(/missing/);
    expect(noRoutes(s)).toBe(true);
  });

  it('turns a reply without the 2-byte header into PROTOCOL', async () => {
    const s = new FakeSession();
    s.onPublish = () => queueMicrotask(() => s.deliver(out('id1'), new Uint8Array([1])));
    expect((await rejection(client(s).request('eval', { payload: '1' }))).code).toBe('PROTOCOL');
  });

  it('turns the err topic into BOARD_ERROR carrying the board text', async () => {
    const s = new FakeSession();
    s.onPublish = () => queueMicrotask(() => s.deliver(err('id1'), "Command 'nope' not supported"));
    const e = await rejection(client(s).request('nope'));
    expect(e.code).toBe('BOARD_ERROR');
    expect(e.message).toBe("Command 'nope' not supported");
    expect(noRoutes(s)).toBe(true);
  });

  it('times out after silence, and each frame restarts the timeout', async () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    const p = client(s, { timeoutMs: 1000 }).request('get', { tail: 'f' });
    const failed = rejection(p);
    await vi.advanceTimersByTimeAsync(900);
    s.deliver(out('id1'), frame(0, false, 'a'));
    await vi.advanceTimersByTimeAsync(900);
    s.deliver(out('id1'), frame(1, false, 'b'));
    await vi.advanceTimersByTimeAsync(900);
    expect(noRoutes(s)).toBe(false); // still waiting: 2.7 s in total, never 1 s of silence
    await vi.advanceTimersByTimeAsync(200);
    const e = await failed;
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toMatch(/sim\/b1 did not answer get within 1 s/);
    expect(noRoutes(s)).toBe(true);
  });

  it('a per-request timeout overrides the client default', async () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    const failed = rejection(client(s, { timeoutMs: 60_000 }).request('eval', { payload: 'x', timeoutMs: 50 }));
    await vi.advanceTimersByTimeAsync(60);
    expect((await failed).code).toBe('TIMEOUT');
  });

  it('abort → CANCELLED and unsubscribes; an already aborted signal publishes nothing', async () => {
    const s = new FakeSession();
    const ac = new AbortController();
    const failed = rejection(client(s).request('eval', { payload: 'x', signal: ac.signal }));
    await Promise.resolve();
    ac.abort();
    expect((await failed).code).toBe('CANCELLED');
    expect(noRoutes(s)).toBe(true);
    const s2 = new FakeSession();
    const e = await rejection(client(s2).request('eval', { payload: 'x', signal: AbortSignal.abort() }));
    expect(e.code).toBe('CANCELLED');
    expect(s2.published).toEqual([]);
  });

  it('a board reset while waiting → BOARD_RESET', async () => {
    const s = new FakeSession();
    let fire: ((why: string) => void) | undefined;
    let stopped = false;
    const c = client(s, {
      watchReset: (cb) => {
        fire = cb;
        return () => (stopped = true);
      },
    });
    const failed = rejection(c.request('eval', { payload: 'import time; time.sleep(9)' }));
    await Promise.resolve();
    await Promise.resolve();
    fire!('it went offline');
    const e = await failed;
    expect(e.code).toBe('BOARD_RESET');
    expect(e.message).toMatch(/restarted during eval \(it went offline\)/);
    expect(stopped).toBe(true);
  });

  it('a failed publish ends the command with BROKER_DOWN', async () => {
    const s = new FakeSession();
    s.publishError = new Error('client disconnecting');
    expect((await rejection(client(s).request('eval', { payload: '1' }))).code).toBe('BROKER_DOWN');
    expect(noRoutes(s)).toBe(true);
  });
});
