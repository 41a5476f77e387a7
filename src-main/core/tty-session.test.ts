import { describe, expect, it, vi } from 'vitest';
import type { MqbError } from '../common/errors.js';
import { decodeFrame, decodeText, encodeFrame, encodeText } from '../common/protocol.js';
import { FakeSession } from './fake-session.js';
import { TtySession } from './tty-session.js';

/** A board-side REPL good enough to test the console side of the protocol. */
function fakeTtyBoard(s: FakeSession, id = 'T1') {
  let seq = 0;
  const reply = (text: string, last = false) => s.deliver(`b/mqb/reply/out/${id}`, encodeFrame(seq++, last, encodeText(text)));
  const got: string[] = [];
  s.onPublish = (p) => {
    const f = decodeFrame(p.payload);
    const msg = decodeText(f.payload);
    got.push(`${f.seq}${f.last ? '!' : ''}:${msg}`);
    queueMicrotask(() => {
      if (msg === 'l') reply('p>>> ');
      else if (msg.startsWith('l')) {
        reply(`o${msg.slice(1).trim() === '1+1' ? '2\r\n' : ''}`);
        reply('p>>> ');
      } else if (msg === 'c') {
        reply('oKeyboardInterrupt\r\n');
        reply('p>>> ');
      } else if (msg.startsWith('t')) reply(`t${JSON.stringify({ prefix: 'pri', matches: ['print'] })}`);
      else if (msg === 'q') reply('ebye', true);
    });
  };
  return { got, reply };
}

describe('TtySession', () => {
  it('opens with an empty input, numbers its messages across the session, streams output and prompts', async () => {
    const s = new FakeSession();
    const board = fakeTtyBoard(s);
    const t = new TtySession(s, 'b', { newId: () => 'T1' });
    expect(await t.open()).toBe('>>> ');
    const out: string[] = [];
    t.on('output', (o) => out.push(o));
    await t.input('1+1');
    await t.interrupt(); // only the `c` message: the board interrupts itself (docs/virtual-board.md)
    expect(await t.complete('pri')).toEqual({ prefix: 'pri', matches: ['print'] });
    await new Promise((r) => setTimeout(r, 0));
    expect(out.join('')).toBe('2\r\nKeyboardInterrupt\r\n');
    const ended = new Promise((r) => t.once('end', r));
    await t.close();
    expect(await ended).toEqual({ text: 'bye' });
    expect(board.got).toEqual(['0:l', '1:l1+1\n', '2:c', '3:tpri', '4!:q']);
    expect(s.subscriptions).toEqual([]);
  });

  it('the board ending the session (e with last) unsubscribes and reports the text', async () => {
    const s = new FakeSession();
    const board = fakeTtyBoard(s);
    const t = new TtySession(s, 'b', { newId: () => 'T1' });
    await t.open();
    const ended = new Promise<{ text: string }>((r) => t.once('end', r));
    board.reply('eidle for 10 minutes', true);
    expect((await ended).text).toBe('idle for 10 minutes');
    expect(t.closed).toBe(true);
    expect(s.subscriptions).toEqual([]);
  });

  it('a board without tty: open rejects with BOARD_ERROR', async () => {
    const s = new FakeSession();
    s.onPublish = () => queueMicrotask(() => s.deliver('b/mqb/reply/err/T1', "Command 'tty' not supported"));
    const t = new TtySession(s, 'b', { newId: () => 'T1' });
    const e = (await t.open().catch((x: unknown) => x)) as MqbError;
    expect(e.code).toBe('BOARD_ERROR');
    expect(e.message).toBe("Command 'tty' not supported");
    expect(s.subscriptions).toEqual([]);
  });

  it('open times out on a silent board', async () => {
    vi.useFakeTimers();
    try {
      const s = new FakeSession();
      const t = new TtySession(s, 'b', { newId: () => 'T1', timeoutMs: 500 });
      const p = t.open().catch((x: unknown) => x);
      await vi.advanceTimersByTimeAsync(600);
      expect(((await p) as MqbError).code).toBe('TIMEOUT');
    } finally {
      vi.useRealTimers();
    }
  });

  it('close with a drain keeps the output of what was sent until the board ends, or gives up after its silence', async () => {
    vi.useFakeTimers();
    try {
      const s = new FakeSession();
      let seq = 0;
      const reply = (text: string, last = false) => s.deliver('b/mqb/reply/out/T1', encodeFrame(seq++, last, encodeText(text)));
      s.onPublish = (p) => {
        const msg = decodeText(decodeFrame(p.payload).payload);
        if (msg === 'l') queueMicrotask(() => reply('p>>> '));
        // The board is still running a line when `q` comes: output, then its end, 0.8 s apart.
        if (msg === 'q') for (const [i, text] of ['olate\r\n', 'p>>> ', 'e'].entries()) setTimeout(() => reply(text, text === 'e'), 800 * (i + 1));
      };
      const t = new TtySession(s, 'b', { newId: () => 'T1' });
      await t.open();
      const out: string[] = [];
      t.on('output', (o) => out.push(o));
      const closed = t.close({ drainMs: 1000 });
      await vi.advanceTimersByTimeAsync(2500);
      await closed;
      expect(out).toEqual(['late\r\n']);
      expect(t.closed).toBe(true);

      // A board that goes silent: the close ends after drainMs with a TIMEOUT that says so.
      const s2 = new FakeSession();
      s2.onPublish = (p) => decodeText(decodeFrame(p.payload).payload) === 'l' && queueMicrotask(() => s2.deliver('b/mqb/reply/out/T2', encodeFrame(0, false, encodeText('p>>> '))));
      const t2 = new TtySession(s2, 'b', { newId: () => 'T2' });
      await t2.open();
      const ended = new Promise<{ error?: MqbError }>((r) => t2.once('end', r));
      const closed2 = t2.close({ drainMs: 1000 });
      await vi.advanceTimersByTimeAsync(1100);
      await closed2;
      expect((await ended).error?.message).toMatch(/sent nothing for 1 s after the input ended/);
      expect(s2.subscriptions).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
