import { describe, expect, it } from 'vitest';
import { decodeText, encodeFrame, encodeText } from '../common/protocol.js';
import { Engine } from './engine.js';
import { FakeSession } from './fake-session.js';
import { parseKeptLines } from './log-backfill.js';

const profile = { id: 'p1', name: 'test', url: 'mqtt://127.0.0.1:1' };
const STATUS = { online: true, proto: 2, caps: ['eval', 'logs'] };

/** A board that answers `logs` from its kept lines, as board/lib/mqb_log.py does. */
function boardWithKept(s: FakeSession, prefix: string, boot: number, kept: string[], asked: string[] = []) {
  s.onPublish = (p) => {
    const m = /\/mqb\/cmd\/logs\/([^/]+)$/.exec(p.topic);
    if (!m || !p.topic.startsWith(prefix + '/')) return;
    const req = decodeText(p.payload.subarray(2));
    asked.push(req);
    const words = req.split(' ');
    const since = words.length === 2 && Number(words[0]) === boot ? Number(words[1]) : 0;
    const lines = kept.map((t, i) => [i + 1, t]).filter(([n]) => (n as number) > since);
    const body = encodeText(JSON.stringify({ boot, seq: kept.length, lines }));
    queueMicrotask(() => s.deliver(`${prefix}/mqb/reply/out/${m[1]}`, encodeFrame(0x7fff, true, body)));
  };
}

async function connected() {
  const s = new FakeSession();
  const e = new Engine({ openSession: () => Promise.resolve(Object.assign(s, { close: () => Promise.resolve() })) });
  await e.connect(profile, { logHistory: true });
  return { s, e };
}

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(ok()).toBe(true);
};

describe('log backfill (the board\'s kept lines)', () => {
  it('a board first seen online gives the lines it logged before the console connected, once', async () => {
    const { s, e } = await connected();
    const asked: string[] = [];
    boardWithKept(s, 'sim/b1', 77, ['I 1 boot: one', 'I 2 boot: two', 'I 3 main: three'], asked);
    s.deliver('sim/b1/log', 'I 3 main: three'); // already received live
    s.deliver('sim/b1/mqb/status', JSON.stringify(STATUS));
    const h = e.logHistory('p1')!;
    await until(() => h.lines('sim/b1').length === 3);
    expect(h.lines('sim/b1').map((l) => l.raw)).toEqual(['I 1 boot: one', 'I 2 boot: two', 'I 3 main: three']);
    s.deliver('sim/b1/mqb/status', JSON.stringify({ ...STATUS, uptime: 60 }));
    await new Promise((r) => setTimeout(r, 5));
    expect(asked).toEqual(['']);
    // A pane opening asks only for what is newer than the last fetch.
    expect(await e.fetchKeptLogs('p1', 'sim/b1')).toBe(0);
    expect(asked).toEqual(['', '77 3']);
    expect(h.lines('sim/b1')).toHaveLength(3);
  });

  it('never asks a board without the capability, an asleep or an offline one', async () => {
    const { s, e } = await connected();
    const asked: string[] = [];
    for (const p of ['old', 'zz', 'off']) boardWithKept(s, p, 1, ['x'], asked);
    s.deliver('old/mqb/status', JSON.stringify({ online: true, proto: 2, caps: ['eval'] }));
    s.deliver('zz/mqb/status', JSON.stringify({ ...STATUS, online: false, asleep: true, next_wake: 600 }));
    s.deliver('off/mqb/status', JSON.stringify({ ...STATUS, online: false }));
    await new Promise((r) => setTimeout(r, 5));
    expect(await e.fetchKeptLogs('p1', 'old')).toBe(0);
    expect(s.published.filter((p) => p.topic.includes('/cmd/logs/'))).toEqual([]);
  });

  it('a board that does not answer, or answers garbage, costs one log line and nothing else', async () => {
    const logs: string[] = [];
    const s = new FakeSession();
    const e = new Engine({ logger: (m) => logs.push(m), openSession: () => Promise.resolve(Object.assign(s, { close: () => Promise.resolve() })) });
    await e.connect(profile, { logHistory: true });
    s.onPublish = (p) => {
      const m = /\/mqb\/cmd\/logs\/([^/]+)$/.exec(p.topic);
      if (m) queueMicrotask(() => s.deliver(`bad/mqb/reply/out/${m[1]}`, encodeFrame(0x7fff, true, encodeText('{"boot":1,"lines":[[1]]}'))));
    };
    s.deliver('bad/mqb/status', JSON.stringify(STATUS));
    await until(() => logs.some((l) => l.includes('log history of bad not fetched')));
    s.deliver('bad/log', 'I 1 x: live');
    expect(e.logHistory('p1')!.lines('bad').map((l) => l.raw)).toEqual(['I 1 x: live']);
    expect(() => parseKeptLines(encodeText('[1,2]'))).toThrow();
  });

  it('asks at most two boards at a time, however many appear', async () => {
    const { s, e } = await connected();
    let inFlight = 0;
    let most = 0;
    s.onPublish = (p) => {
      const m = /^(b\d+)\/mqb\/cmd\/logs\/([^/]+)$/.exec(p.topic);
      if (!m) return;
      most = Math.max(most, ++inFlight);
      setTimeout(() => {
        inFlight--;
        s.deliver(`${m[1]}/mqb/reply/out/${m[2]}`, encodeFrame(0x7fff, true, encodeText(JSON.stringify({ boot: 1, seq: 1, lines: [[1, `I 1 x: ${m[1]}`]] }))));
      }, 2);
    };
    for (let i = 0; i < 20; i++) s.deliver(`b${i}/mqb/status`, JSON.stringify(STATUS));
    const h = e.logHistory('p1')!;
    await until(() => [...Array(20).keys()].every((i) => h.lines(`b${i}`).length === 1));
    expect(most).toBe(2);
  });
});
