import { describe, expect, it } from 'vitest';
import { FakeSession } from './fake-session.js';
import { LogHistory } from './log-history.js';
import { LogStream } from './log-stream.js';

describe('LogHistory', () => {
  it('keeps every board\'s lines through one wildcard subscription per discovery depth', async () => {
    const s = new FakeSession();
    let now = 0;
    const h = new LogHistory(s, { clock: () => ++now });
    await h.start();
    expect(s.subscriptions.map((x) => x.filter)).toEqual(['+/log', '+/+/log', '+/+/+/log']);
    s.deliver('b1/log', 'I 1     boot: hello');
    s.deliver('site/b2/log', 'W 2     wdt: late');
    s.deliver('b1/log', 'I 3     main: up');
    expect(h.lines('b1')).toEqual([{ raw: 'I 1     boot: hello', t: 1 }, { raw: 'I 3     main: up', t: 3 }]);
    expect(h.lines('site/b2').map((l) => l.raw)).toEqual(['W 2     wdt: late']);
    expect(h.lines('nope')).toEqual([]);
    await h.close();
    expect(s.subscriptions).toEqual([]);
  });

  it('caps each board by lines and by size, and all boards together', () => {
    const h = new LogHistory(new FakeSession(), { perBoardLines: 3, perBoardBytes: 10, totalBytes: 12 });
    for (let i = 0; i < 5; i++) h.add('a', `a${i}`);
    expect(h.lines('a').map((l) => l.raw)).toEqual(['a2', 'a3', 'a4']);
    h.add('a', '123456789'); // 9 characters: only it and nothing else fits 10
    expect(h.lines('a').map((l) => l.raw)).toEqual(['123456789']);
    h.add('b', 'b0');
    h.add('b', 'b1'); // 13 in all > 12: the oldest line of a board goes, never the one just added
    expect(h.stats().bytes).toBeLessThanOrEqual(12);
    expect(h.lines('b').map((l) => l.raw)).toContain('b1');
    for (let i = 0; i < 1000; i++) h.add(`x${i}`, 'yy');
    expect(h.stats().bytes).toBeLessThanOrEqual(12);
  });

  it('a log stream opened late starts with the history, then live lines, without duplicates', async () => {
    const s = new FakeSession();
    const h = new LogHistory(s, { clock: () => 5 });
    await h.start();
    s.deliver('b1/log', 'I 1     boot: before the pane');
    const stream = new LogStream(s, 'b1', { history: h });
    const seen: string[] = [];
    stream.on('line', (l) => seen.push(l.text));
    await stream.start();
    expect(stream.lines().map((l) => l.text)).toEqual(['before the pane']);
    s.deliver('b1/log', 'I 2     main: live');
    expect(seen).toEqual(['live']);
    await stream.stop();
    await stream.start(); // the pane opened again: still one copy of each line
    expect(stream.lines().map((l) => l.text)).toEqual(['before the pane', 'live']);
    expect(s.subscriptions.map((x) => x.filter)).toEqual(['+/log', '+/+/log', '+/+/+/log']);
  });

  it('merges lines fetched from the board in order, without the ones it already has', () => {
    let now = 100;
    const h = new LogHistory(new FakeSession(), { clock: () => now });
    h.add('b', 'I 5 x: five', 50);
    h.add('b', 'I 7 x: seven', 70);
    now = 200;
    // The board's ring: older lines, one line lost live (six), and the two already kept.
    expect(h.merge('b', ['I 3 x: three', 'I 5 x: five', 'I 6 x: six', 'I 7 x: seven'])).toBe(2);
    expect(h.lines('b')).toEqual([
      { raw: 'I 3 x: three', t: 50 },
      { raw: 'I 5 x: five', t: 50 },
      { raw: 'I 6 x: six', t: 70 },
      { raw: 'I 7 x: seven', t: 70 },
    ]);
    expect(h.merge('b', ['I 6 x: six', 'I 7 x: seven', 'I 8 x: eight'])).toBe(1);
    expect(h.lines('b').map((l) => l.raw).slice(-2)).toEqual(['I 7 x: seven', 'I 8 x: eight']);
    expect(h.lines('b')[4]!.t).toBe(200);
    expect(h.stats().bytes).toBe(h.lines('b').reduce((n, l) => n + l.raw.length, 0));
  });

  it('a merge respects the caps: the oldest fetched lines give way', () => {
    const h = new LogHistory(new FakeSession(), { perBoardLines: 3 });
    h.add('b', 'l4');
    h.merge('b', ['l1', 'l2', 'l3', 'l4']);
    expect(h.lines('b').map((l) => l.raw)).toEqual(['l2', 'l3', 'l4']);
  });
});
