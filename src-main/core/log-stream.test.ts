import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeSession } from './fake-session.js';
import { LogStream } from './log-stream.js';

describe('LogStream', () => {
  it('subscribes to the board log, parses lines, emits them and keeps the last N', async () => {
    const s = new FakeSession();
    let now = 0;
    const log = new LogStream(s, 'sim/b1', { capacity: 3, clock: () => ++now });
    const seen: string[] = [];
    log.on('line', (l) => seen.push(`${l.level}:${l.logger}:${l.text}`));
    await log.start();
    await log.start(); // idempotent
    expect(s.subscriptions.map((x) => x.filter)).toEqual(['sim/b1/log']);
    for (let i = 0; i < 5; i++) s.deliver('sim/b1/log', `I ${i}     main: line ${i}`);
    expect(seen).toHaveLength(5);
    expect(log.lines().map((l) => l.text)).toEqual(['line 2', 'line 3', 'line 4']);
    expect(log.lines().map((l) => l.t)).toEqual([3, 4, 5]);
    await log.stop();
    expect(s.subscriptions).toEqual([]);
  });

  it('appends to an archive file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-log-'));
    const file = path.join(dir, 'b1.log');
    const s = new FakeSession();
    const log = new LogStream(s, 'b1', { archive: file, clock: () => Date.UTC(2025, 0, 2, 3, 4, 5) });
    await log.start();
    s.deliver('b1/log', 'W 10     wdt: late');
    s.deliver('b1/log', 'E 11     cmd: boom\n  more');
    await log.stop();
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toBe('2025-01-02T03:04:05.000Z W 10      wdt: late\n2025-01-02T03:04:05.000Z E 11      cmd: boom\n  more\n');
    fs.rmSync(dir, { recursive: true });
  });
});
