import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, decodeText, encodeFrame, encodeText, NO_SEQ } from '../common/protocol.js';
import { BROKER_KINDS, startTestBroker } from '../testing/brokers.js';
import type { TestBroker } from '../testing/brokers.js';
import { startFaultProxy } from '../testing/fault-proxy.js';
import { BoardClient } from './board-client.js';
import { MqttSession } from './mqtt-session.js';
import type { SessionState } from './mqtt-session.js';

const P = 'rr/b1';

/** A stand-in board: answers every command on its out topic (`err` for the command `fail`). */
async function echoBoard(session: MqttSession): Promise<() => Promise<void>> {
  return session.subscribe(`${P}/mqb/cmd/+/+`, (topic, payload) => {
    const [cmd, id] = topic.split('/').slice(-2) as [string, string];
    if (cmd === 'fail') void session.publish(`${P}/mqb/reply/err/${id}`, `no luck for ${id}`);
    else void session.publish(`${P}/mqb/reply/out/${id}`, encodeFrame(NO_SEQ, true, encodeText(`${cmd}: ${decodeText(decodeFrame(payload).payload)}`)));
  });
}

describe.each(BROKER_KINDS)('board replies over one subscription, against %s', (kind) => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startTestBroker(kind);
  });
  afterAll(async () => {
    await broker.close();
  });

  it('routes concurrent commands by id, and keeps working across a dropped connection', async () => {
    const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: broker.port } });
    const board = await MqttSession.open({ id: 'b', name: 'b', url: broker.url });
    const s = await MqttSession.open({ id: 'c', name: 'c', url: proxy.url }, { reconnectMs: 100 });
    const states: SessionState[] = [];
    s.on('state', (st) => states.push(st));
    try {
      await echoBoard(board);
      const c = new BoardClient(s, P, { timeoutMs: 5000 });
      const replies = await Promise.all(['a', 'b', 'c'].map((x) => c.request('eval', { payload: x })));
      expect(replies.map((r) => decodeText(r))).toEqual(['eval: a', 'eval: b', 'eval: c']);
      const failed = await c.request('fail').catch((e: Error) => e);
      expect((failed as Error).message).toMatch(/^no luck for /);
      proxy.resetAll();
      while (states.length === 0) await new Promise((r) => setTimeout(r, 10));
      // Sent while the connection is down: it goes out once the reply subscription is back.
      expect(decodeText(await c.request('eval', { payload: 'while down' }))).toBe('eval: while down');
      expect(decodeText(await c.request('eval', { payload: 'after' }))).toBe('eval: after');
    } finally {
      await s.close();
      await board.close();
      await proxy.close();
    }
  });
});
