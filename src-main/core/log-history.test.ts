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
});
