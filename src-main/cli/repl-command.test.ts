import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeText, encodeFrame, encodeText } from '../common/protocol.js';
import { FakeSession } from '../core/fake-session.js';
import { TtySession } from '../core/tty-session.js';
import { testIo } from './cli-test-io.js';
import { ttyRepl } from './repl-command.js';

/** A board REPL that evaluates a few fixed lines, slowly enough that input ends before output. */
function fakeBoard(s: FakeSession) {
  let seq = 0;
  const sent: string[] = [];
  const reply = (text: string, last = false) => s.deliver('b/mqb/reply/out/T', encodeFrame(seq++, last, encodeText(text)));
  s.onPublish = (p) => {
    const msg = decodeText(decodeFrame(p.payload).payload);
    sent.push(msg);
    setTimeout(() => {
      if (msg === 'l') return reply('p>>> ');
      const lines = msg.startsWith('l') ? msg.slice(1).split('\n').slice(0, -1) : [];
      if (lines.includes('print("hi")')) reply('ohi\r\n');
      if (lines.includes('x = \x1b]0;evil\x07')) reply('o\x1b]0;evil\x07\r\n');
      if (lines.includes('for i in range(3):')) return reply('p... ');
      if (msg === 'c') reply('oKeyboardInterrupt\r\n');
      if (msg === 'lcolour\n') {
        // A colour, then an OSC 52 (clipboard write) split across two output messages.
        reply('o\x1b[31mred\x1b[0m \x1b]5');
        reply('o2;c;aGk=\x07\r\n');
      }
      if (msg === 'q') return reply('e', true);
      reply('p>>> ');
    }, 20);
  };
  return sent;
}

describe('repl over the board tty', () => {
  it('sends the lines of one chunk as one input (a paste), prints the output, waits for the board before quitting at the end of piped input', async () => {
    const s = new FakeSession();
    const sent = fakeBoard(s);
    const t = testIo({});
    t.stdin.end('print("hi")\nx = \x1b]0;evil\x07\n');
    await ttyRepl(new TtySession(s, 'b', { newId: () => 'T' }), t.io);
    expect(sent).toEqual(['l', 'lprint("hi")\nx = \x1b]0;evil\x07\n', 'q']);
    // Output arrives after the input ended and is still shown; escape sequences are neutralised.
    expect(t.out()).toBe('hi\n\\x1b]0;evil\\x07\n');
    expect(s.subscriptions).toEqual([]);
  });

  it('is a terminal: colours pass, OSC 52 (clipboard) is shown escaped even when split across messages', async () => {
    const s = new FakeSession();
    fakeBoard(s);
    const t = testIo({});
    t.stdin.end('colour\n');
    await ttyRepl(new TtySession(s, 'b', { newId: () => 'T' }), t.io);
    expect(t.out()).toBe('\x1b[31mred\x1b[0m \\x1b]52;c;aGk=\\x07\n');
  });

  it('Ctrl-C sends an interrupt to the board', async () => {
    const s = new FakeSession();
    const sent = fakeBoard(s);
    const t = testIo({});
    const done = ttyRepl(new TtySession(s, 'b', { newId: () => 'T' }), t.io);
    await new Promise((r) => setTimeout(r, 60));
    t.interrupt();
    await new Promise((r) => setTimeout(r, 60));
    t.stdin.end();
    await done;
    expect(sent).toEqual(['l', 'c', 'q']);
    expect(t.out()).toBe('KeyboardInterrupt\n');
  });

  it('on a terminal: a typed line goes alone, the continuation line starts indented, Backspace removes a level', async () => {
    const s = new FakeSession();
    const sent = fakeBoard(s);
    const t = testIo({}, { tty: true });
    Object.assign(t.stdin, { isTTY: true });
    const stdout = t.io.stdout as unknown as Record<string, unknown>;
    Object.assign(stdout, { columns: 200, on: () => stdout, off: () => stdout, removeListener: () => stdout });
    const done = ttyRepl(new TtySession(s, 'b', { newId: () => 'T' }), t.io);
    const settle = () => new Promise((r) => setTimeout(r, 80));
    await settle();
    t.stdin.write('for i in range(3):\r');
    await settle(); // the board's "... " comes back: the line is pre-filled with 4 spaces
    t.stdin.write('print(i)\r');
    await settle();
    t.stdin.write('\x7f'); // the indent goes at once
    t.stdin.write('\r');
    await settle();
    t.stdin.end();
    await done;
    expect(sent).toEqual(['l', 'lfor i in range(3):\n', 'l    print(i)\n', 'l\n', 'q']);
  });
});
