import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeFrame, decodeText, encodeText } from '../common/protocol.js';
import { FakeSession } from './fake-session.js';
import type { Published } from './fake-session.js';
import { P, single, out, err, noRoutes, client, rejection } from './board-client-testing.js';

afterEach(() => {
  vi.useRealTimers();
});

/** A board that acks every 8th message after a delay the test controls, and answers OK after the last. */
function ackingBoard(s: FakeSession, id = 'id1', hold?: (seq: number) => boolean) {
  const held: number[] = [];
  const handle = (p: Published) => {
    const f = decodeFrame(p.payload);
    if (f.seq % 8 === 0) s.deliver(out(id), single(`SEQ ${f.seq}`));
    if (f.last) s.deliver(out(id), single('OK'));
  };
  s.onPublish = (p) => {
    const f = decodeFrame(p.payload);
    if (hold?.(f.seq)) held.push(f.seq);
    else queueMicrotask(() => handle(p));
  };
  return {
    held,
    release() {
      for (const seq of held.splice(0)) handle(s.published.find((p) => decodeFrame(p.payload).seq === seq)!);
    },
  };
}

describe('BoardClient.send', () => {
  const chunks = (n: number) => Array.from({ length: n }, (_, i) => encodeText(`chunk${i}`));

  it('numbers the messages from 0, sets last on the final one, returns the result', async () => {
    const s = new FakeSession();
    ackingBoard(s);
    const acks: number[] = [];
    const sent: number[] = [];
    const r = await client(s).send('put', { tail: 'f.txt', chunks: chunks(20), onAck: (n) => acks.push(n), onSent: (seq) => sent.push(seq) });
    expect(decodeText(r)).toBe('OK');
    const frames = s.published.map((p) => decodeFrame(p.payload));
    expect(frames.map((f) => f.seq)).toEqual([...Array(20).keys()]);
    expect(frames.map((f) => f.last)).toEqual([...Array(19).fill(false), true]);
    expect(decodeText(frames[3]!.payload)).toBe('chunk3');
    expect(acks).toEqual([0, 8, 16]);
    expect(sent).toHaveLength(20);
    expect(s.published[0]!.topic).toBe(`${P}/mqb/cmd/put/id1/f.txt`);
    expect(noRoutes(s)).toBe(true);
  });

  it('refills the window as soon as an ack arrives (no timer involved); acks are cumulative', async () => {
    vi.useFakeTimers(); // never advanced: only the acks move the sender
    const s = new FakeSession();
    const highest = () => Math.max(...s.published.map((x) => decodeFrame(x.payload).seq));
    const flush = async () => {
      for (let i = 0; i < 100; i++) await Promise.resolve();
    };
    const p = client(s).send('ota', { tail: 'abc', chunks: chunks(60), window: 16 });
    await flush();
    expect(highest()).toBe(15); // nothing acknowledged yet: seqs 0..15
    s.deliver(out('id1'), single('SEQ 8'));
    await flush();
    expect(highest()).toBe(24);
    s.deliver(out('id1'), single('SEQ 40')); // a board behind sends only its newest ack
    s.deliver(out('id1'), single('SEQ 16')); // a late, older one does not shrink the window again
    await flush();
    expect(highest()).toBe(56);
    s.deliver(out('id1'), single('SEQ 48'));
    await flush();
    expect(s.published).toHaveLength(60);
    s.deliver(out('id1'), single('OK'));
    expect(decodeText(await p)).toBe('OK');
  });

  it('keeps at most `window` messages beyond the last ack in flight', async () => {
    const s = new FakeSession();
    let holding = true;
    const board = ackingBoard(s, 'id1', (seq) => holding && seq >= 8); // the board is slow after seq 7
    const p = client(s).send('ota', { tail: 'abc', chunks: chunks(40), window: 16 });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 10));
    // acked 0 → seqs up to 16 may go out, not 17
    expect(Math.max(...s.published.map((x) => decodeFrame(x.payload).seq))).toBe(16);
    holding = false;
    board.release();
    expect(decodeText(await p)).toBe('OK');
    expect(s.published).toHaveLength(40);
  });

  it('uses the window the board announced unless the call names one; 16 for a board that announced none', async () => {
    const highest = async (extra: Parameters<typeof client>[1]) => {
      const s = new FakeSession();
      let holding = true;
      const board = ackingBoard(s, 'id1', (seq) => holding && seq >= 8); // acks up to 0 only, for now
      const p = client(s, extra).send('ota', { tail: 'abc', chunks: chunks(100) });
      await new Promise((r) => setTimeout(r, 10));
      const top = Math.max(...s.published.map((x) => decodeFrame(x.payload).seq));
      holding = false;
      board.release();
      await p;
      return top;
    };
    expect(await highest({})).toBe(16);
    expect(await highest({ window: 64 })).toBe(64);
  });

  it('sends one empty last message for an empty stream', async () => {
    const s = new FakeSession();
    ackingBoard(s);
    expect(decodeText(await client(s).send('put', { tail: 'empty', chunks: [] }))).toBe('OK');
    expect(s.published).toHaveLength(1);
    expect([...s.published[0]!.payload]).toEqual([0x80, 0x00]);
  });

  it('accepts an async iterable', async () => {
    const s = new FakeSession();
    ackingBoard(s);
    async function* gen() {
      yield encodeText('a');
      yield encodeText('b');
    }
    expect(decodeText(await client(s).send('put', { tail: 'f', chunks: gen() }))).toBe('OK');
    expect(s.published.map((p) => decodeFrame(p.payload).last)).toEqual([false, true]);
  });

  it('stops sending when the board answers on err (SHA mismatch gets its own code)', async () => {
    const s = new FakeSession();
    s.onPublish = (p) => {
      if (decodeFrame(p.payload).seq === 2) queueMicrotask(() => s.deliver(err('id1'), 'SHA-256 mismatch: expected aa, got bb'));
      if (decodeFrame(p.payload).seq % 8 === 0) queueMicrotask(() => s.deliver(out('id1'), single(`SEQ ${decodeFrame(p.payload).seq}`)));
    };
    const e = await rejection(client(s).send('put', { tail: 'f', chunks: chunks(100), window: 4 }));
    expect(e.code).toBe('SHA_MISMATCH');
    expect(s.published.length).toBeLessThan(100);
    expect(noRoutes(s)).toBe(true);
  });

  it('times out when acks stop coming', async () => {
    vi.useFakeTimers();
    const s = new FakeSession();
    ackingBoard(s, 'id1', (seq) => seq >= 8); // the board stops answering after seq 7
    const failed = rejection(client(s, { timeoutMs: 2000 }).send('ota', { tail: 'x', chunks: chunks(64) }));
    await vi.advanceTimersByTimeAsync(2100);
    expect((await failed).code).toBe('TIMEOUT');
    expect(noRoutes(s)).toBe(true);
  });

  it('abort → CANCELLED and the source iterator is closed', async () => {
    const s = new FakeSession();
    ackingBoard(s, 'id1', () => true); // no acks at all
    let closed = false;
    function* gen() {
      try {
        for (let i = 0; i < 1000; i++) yield encodeText(String(i));
      } finally {
        closed = true;
      }
    }
    const ac = new AbortController();
    const failed = rejection(client(s).send('put', { tail: 'f', chunks: gen(), signal: ac.signal }));
    await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    expect((await failed).code).toBe('CANCELLED');
    await new Promise((r) => setTimeout(r, 5));
    expect(closed).toBe(true);
    expect(noRoutes(s)).toBe(true);
  });

  it('a failing source → LOCAL_IO', async () => {
    const s = new FakeSession();
    ackingBoard(s);
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield encodeText('a');
      throw new Error('EIO: disk gone');
    }
    const e = await rejection(client(s).send('put', { tail: 'f', chunks: gen() }));
    expect(e.code).toBe('LOCAL_IO');
    expect(e.message).toMatch(/disk gone/);
  });
});
