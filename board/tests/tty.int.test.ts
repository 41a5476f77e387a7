import { afterEach, describe, expect, it } from 'vitest';
import { testIo } from '../../src-main/cli/cli-test-io.js';
import { ttyRepl } from '../../src-main/cli/repl-command.js';
import type { SessionLike } from '../../src-main/core/board-invocation.js';
import { TtySession } from '../../src-main/core/tty-session.js';
import { BROKER_KINDS } from '../../src-main/testing/brokers.js';
import type { FirmwareRig } from './firmware-harness.js';
import { FAST_WATCHDOG, lastStatus, startRig, until } from './firmware-harness.js';

let rig: FirmwareRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

// A console-side client of the `tty` command speaking the wire format directly (docs/protocol.md):
// framed messages numbered across the session, opcode byte first (l c t q in, o p t e out).
class TtyClient {
  output = '';
  prompts: string[] = [];
  promptTimes: number[] = [];
  completions: Array<{ prefix: string; matches: string[] }> = [];
  ended: string | undefined;
  private seqOut = 0;
  private seqIn = 0;
  readonly lastFlags: boolean[] = [];

  constructor(
    private readonly r: FirmwareRig,
    private readonly prefix: string,
    readonly id: string,
  ) {
    r.peer.on('message', (topic, payload) => {
      if (topic === `${prefix}/mqb/reply/err/${id}`) this.ended = `err: ${payload.toString()}`;
      if (topic !== `${prefix}/mqb/reply/out/${id}`) return;
      const hdr = payload.readUInt16BE(0);
      const seq = hdr & 0x7fff;
      if (seq < this.seqIn) return; // a QoS 1 redelivery
      if (seq !== this.seqIn) throw new Error(`tty ${id}: expected message ${this.seqIn}, got ${seq}`);
      this.seqIn++;
      this.lastFlags.push(Boolean(hdr & 0x8000));
      const op = String.fromCharCode(payload[2]!);
      const text = payload.subarray(3).toString();
      if (op === 'o') this.output += text;
      else if (op === 'p') {
        this.prompts.push(text);
        this.promptTimes.push(Date.now());
      }
      else if (op === 't') this.completions.push(JSON.parse(text) as { prefix: string; matches: string[] });
      else if (op === 'e') this.ended = text;
    });
  }

  async send(op: string, text = '', seq = this.seqOut++): Promise<void> {
    const hdr = Buffer.from([(seq >> 8) & 0x7f, seq & 0xff]);
    await this.r.peer.publishAsync(`${this.prefix}/mqb/cmd/tty/${this.id}`, Buffer.concat([hdr, Buffer.from(op + text)]), { qos: 1 });
  }

  /** Sends input and resolves with the output up to the next prompt, and that prompt. */
  async run(text: string, timeoutMs = 20_000): Promise<{ out: string; prompt: string }> {
    const prompts = this.prompts.length;
    const start = this.output.length;
    await this.send('l', text);
    const prompt = await until(`prompt after ${JSON.stringify(text)}`, () => this.prompts[prompts], timeoutMs);
    return { out: this.output.slice(start), prompt };
  }

  async complete(line: string): Promise<{ prefix: string; matches: string[] }> {
    const n = this.completions.length;
    await this.send('t', line);
    return until(`completion of ${line}`, () => this.completions[n]);
  }
}

/** The engine's session interface over the test's own MQTT client (exact topics only). */
function peerSession(r: FirmwareRig): SessionLike {
  return {
    async subscribe(filter, handler, qos = 1) {
      const on = (topic: string, payload: Buffer) => {
        if (topic === filter) handler(topic, payload, { retain: false, dup: false } as never);
      };
      r.peer.on('message', on);
      await r.peer.subscribeAsync(filter, { qos });
      return async () => void r.peer.off('message', on);
    },
    publish: async (topic, payload, opts) => void (await r.peer.publishAsync(topic, typeof payload === 'string' ? payload : Buffer.from(payload), { qos: opts?.qos ?? 0 })),
  };
}

/** `mqboard repl` on a terminal, typing the keys one line at a time. */
async function typeInCliRepl(r: FirmwareRig, prefix: string, lines: string[]): Promise<string> {
  const t = testIo({}, { tty: true });
  Object.assign(t.stdin, { isTTY: true });
  const stdout = t.io.stdout as unknown as Record<string, unknown>;
  Object.assign(stdout, { columns: 200, on: () => stdout, off: () => stdout, removeListener: () => stdout });
  const done = ttyRepl(new TtySession(peerSession(r), prefix), t.io);
  let prompts = 0;
  for (const line of lines) {
    // Each line once the board's prompt is back, as a person types it.
    await until(`prompt ${prompts + 1}`, () => (t.out().match(/(>>>|\.\.\.) /g)?.length ?? 0) > prompts);
    prompts = t.out().match(/(>>>|\.\.\.) /g)!.length;
    t.stdin.write(`${line}\r`);
  }
  await until('last prompt', () => (t.out().match(/(>>>|\.\.\.) /g)?.length ?? 0) > prompts);
  t.stdin.end();
  await done;
  return t.out();
}

async function onlineRig(kind: (typeof BROKER_KINDS)[number]): Promise<{ r: FirmwareRig; prefix: string }> {
  // While a statement runs the event loop does not, so nothing feeds the watchdog: a statement
  // that outlives its timeout resets the board, as on an ESP32 (docs/firmware.md). The tests'
  // usual 6 s is too close to a busy loop on a loaded machine.
  const r = await startRig({ kind, boardConfig: { watchdog: { ...FAST_WATCHDOG, timeout: 20 } } });
  const prefix = r.prefixes[0]!;
  await r.fleet.start();
  await until('online', () => lastStatus(r, prefix)?.online);
  return { r, prefix };
}

/** Terminal output without its cursor movements and CRs. */
// eslint-disable-next-line no-control-regex -- readline's cursor sequences start with ESC
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');

async function evalOnce(r: FirmwareRig, prefix: string, source: string, id: string): Promise<string> {
  await r.peer.publishAsync(`${prefix}/mqb/cmd/eval/${id}`, Buffer.concat([Buffer.from([0x80, 0x00]), Buffer.from(source)]), { qos: 1 });
  const reply = await until(`eval ${id}`, () => r.seen.find((m) => m.topic === `${prefix}/mqb/reply/out/${id}` || m.topic === `${prefix}/mqb/reply/err/${id}`));
  return reply.payload.subarray(reply.topic.includes('/err/') ? 0 : 2).toString();
}

describe.each(BROKER_KINDS)('tty: the REPL over MQTT against %s', (kind) => {
  it('runs blocks, definitions, expressions and pastes like the serial REPL; tracebacks keep the session; completion', async () => {
    const { r, prefix } = await onlineRig(kind);
    rig = r;
    const tty = new TtyClient(r, prefix, 'ttyAAAA1');
    expect((await tty.run('')).prompt).toBe('>>> ');

    // A block typed line by line: "... " until the empty line, then it runs.
    expect(await tty.run('for i in range(3):\n')).toEqual({ out: '', prompt: '... ' });
    expect(await tty.run('    print("line", i)\n')).toEqual({ out: '', prompt: '... ' });
    expect(await tty.run('\n')).toEqual({ out: 'line 0\nline 1\nline 2\n', prompt: '>>> ' });

    // Typed, one line per message as the consoles send Enter (they pre-fill the indent): an
    // indent-only line ends the block, a line at column 0 stays in it (no paste rule), each
    // statement runs once, and a traceback shows no frame of the REPL itself.
    const typed = async (...lines: string[]) => {
      let last = { out: '', prompt: '' };
      for (const l of lines) {
        const r = await tty.run(`${l}\n`);
        last = { out: last.out + r.out, prompt: r.prompt };
      }
      return last;
    };
    expect(await typed('for i in range(3):', '    print(i)', '    ')).toEqual({ out: '0\n1\n2\n', prompt: '>>> ' });
    const nested = await typed('for i in range(2):', '    if i:', '        print("odd", i)', '    else:', '        print("even", i)', '        ');
    expect(nested).toEqual({ out: 'even 0\nodd 1\n', prompt: '>>> ' });
    const unindented = await typed('for i in range(3):', 'print(i)', '');
    expect(unindented.out.match(/Traceback/g)).toHaveLength(1); // one error for the whole block...
    expect(unindented.out).toMatch(/^Traceback \(most recent call last\):\n {2}File "<stdin>", line 2\n\w*Error: /);
    expect(unindented.out).not.toMatch(/NameError|mqb_tty/); // ...and print(i) does not run on its own
    expect(await typed('x = = 1')).toEqual({ out: 'Traceback (most recent call last):\n  File "<stdin>", line 1\nSyntaxError: invalid syntax\n', prompt: '>>> ' });

    expect((await tty.run('def sq(x):\n    return x * x\n\n')).prompt).toBe('>>> ');
    expect(await tty.run('sq(7)\n')).toEqual({ out: '49\n', prompt: '>>> ' });
    expect((await tty.run('"ab" * 2\n')).out).toBe("'abab'\n");
    expect((await tty.run('[1,\n 2]\n')).out).toBe('[1, 2]\n'); // open brackets continue without an empty line

    const err = await tty.run('1 / 0\n');
    expect(err.out).toMatch(/^Traceback \(most recent call last\):\n {2}File "<stdin>", line 1, in <module>\nZeroDivisionError: divide by zero\n$/);
    expect(err.prompt).toBe('>>> ');
    expect((await tty.run('sq(3)\n')).out).toBe('9\n');
    expect((await tty.run('print(undefined_name)\n')).out).toMatch(/NameError: name 'undefined_name' isn't defined/);

    // A paste: several statements in one message, a block without its empty line among them.
    const paste = await tty.run('x = 5\nfor i in range(2):\n    print("p", i)\nprint(x * 2)\nif x > 3:\n    print("big")\nelse:\n    print("small")\n\n');
    expect(paste).toEqual({ out: 'p 0\np 1\n10\nbig\n', prompt: '>>> ' });

    // The session's namespace: seeded, separate from __main__, and it keeps what was defined.
    expect((await tty.run('__name__, board.prefix == "%s"\n'.replace('%s', prefix))).out).toBe("('__main__', True)\n");
    expect((await tty.run('import __main__; hasattr(__main__, "sq")\n')).out).toBe('False\n');

    // Output streamed while the statement runs arrives complete and in order, within an ESP32's heap.
    const board = r.boards[0]!;
    await board.probe('import gc\ngc.collect()');
    board.resetHeapPeak();
    const many = await tty.run('for i in range(200):\n    print("%04d" % i, "x" * 20)\n\n');
    expect(many.out).toBe(Array.from({ length: 200 }, (_, i) => `${String(i).padStart(4, '0')} ${'x'.repeat(20)}\n`).join(''));
    const heap = board.heap();
    console.log(`[tty] ${kind}: heap high-water while streaming 5 KB of output ${(heap.peak / 1024).toFixed(1)} KB`);
    expect(heap.peak).toBeLessThan(90 * 1024); // what firmware-memory allows: an ESP32 heap less TLS

    expect(await tty.complete('import mac')).toEqual({ prefix: 'mac', matches: ['machine'] });
    await tty.run('import machine\n');
    expect((await tty.complete('mac')).matches).toEqual(['machine']);
    expect((await tty.complete('x = machine.reset_c')).matches).toEqual(['reset_cause']);
    expect((await tty.complete('sq(3) + s')).matches).toEqual(expect.arrayContaining(['sq', 'sorted', 'str']));
    expect((await tty.complete('nothing_like_this.')).matches).toEqual([]);

    // The sequence through `mqboard repl` on a terminal: auto-indent, Enter Enter runs it.
    const cli = visible(await typeInCliRepl(r, prefix, ['for i in range(3):', 'print(i)', '']));
    expect(cli).toContain('0\n1\n2\n');
    expect(cli).not.toMatch(/Error/);

    await tty.send('q');
    await until('end of session', () => tty.ended !== undefined);
    expect(tty.ended).toBe('');
    expect(tty.lastFlags.at(-1)).toBe(true);
  }, 90_000);

  it('interrupts a busy statement (Ctrl-C), keeps serving MQTT between statements, limits sessions', async () => {
    const { r, prefix } = await onlineRig(kind);
    rig = r;
    const board = r.boards[0]!;
    const boots = board.bootCount;
    const fed = await board.probeJson<number>('mqb_launch.board.watchdog.feeds');
    const tty = new TtyClient(r, prefix, 'ttyBBBB1');
    const notRunning = () => `no statement to interrupt: ${board.bootCount - boots} reset(s), output ends ${JSON.stringify(tty.output.slice(-300))}`;
    expect((await tty.run('')).prompt).toBe('>>> ');
    await tty.run('n = 0\n');

    // Idle at the prompt: other commands are served.
    expect(await evalOnce(r, prefix, '6 * 7', 'evalT001')).toBe('42');

    // Ctrl-C while at a "... " prompt drops the pending block.
    expect((await tty.run('while True:\n')).prompt).toBe('... ');
    let prompts = tty.prompts.length;
    await tty.send('c');
    expect(await until('prompt after Ctrl-C', () => tty.prompts[prompts])).toBe('>>> ');

    // A busy loop: the console only sends `c`; the board's Ctrl-C timer finds it in the socket,
    // as on an ESP32 (the virtual board fires machine.Timer into busy code, docs/virtual-board.md).
    prompts = tty.prompts.length;
    const start = tty.output.length;
    await tty.send('l', 'while True:\n    n += 1\n\n');
    await until('the loop runs', async () => (await board.probe('1', 200).then(() => false, () => true)) || undefined);
    const sent = Date.now();
    await tty.send('c');
    expect(await until('prompt after the interrupt', () => tty.prompts[prompts], 5_000).catch((e: Error) => Promise.reject(new Error(`${e.message}; ${notRunning()}`)))).toBe('>>> ');
    const latencyMs = tty.promptTimes[prompts]! - sent;
    expect(tty.output.slice(start)).toMatch(/Traceback \(most recent call last\):\n {2}File "<stdin>", line 2, in <module>\nKeyboardInterrupt: \n$/);
    console.log(`[tty] ${kind}: from sending \`c\` to the next prompt at the client: ${latencyMs} ms`);
    expect((await tty.run('n > 0\n')).out).toBe('True\n');
    expect(tty.prompts.length).toBe(prompts + 2); // the `c` that followed did not add a prompt

    // A loop that prints: its output streams while it runs, and Ctrl-C stops it all the same.
    prompts = tty.prompts.length;
    const printed = tty.output.length;
    await tty.send('l', 'while True:\n    print("tick", n)\n    n += 1\n\n');
    await until('output while the loop runs', () => tty.output.length - printed > 2000 || undefined);
    await tty.send('c');
    expect(await until('prompt after interrupting the printing loop', () => tty.prompts[prompts], 5_000)).toBe('>>> ');
    expect(tty.output.slice(printed)).toMatch(/^tick \d+\n[\s\S]*KeyboardInterrupt: \n$/);

    // The board stayed up: same boot, online, the watchdog still fed, MQTT still answers.
    expect(await evalOnce(r, prefix, '"still here"', 'evalT002')).toBe("'still here'");
    expect(board.bootCount).toBe(boots);
    expect(lastStatus(r, prefix)?.online).toBe(true);
    await until('a watchdog feed', async () => (await board.probeJson<number>('mqb_launch.board.watchdog.feeds')) > fed || undefined, 15_000);

    // At most two sessions; a gap in the input ends a session.
    const second = new TtyClient(r, prefix, 'ttyBBBB2');
    expect((await second.run('')).prompt).toBe('>>> ');
    const third = new TtyClient(r, prefix, 'ttyBBBB3');
    await third.send('l', '');
    await until('third refused', () => third.ended);
    expect(third.ended).toBe('err: too many REPL sessions: at most 2 at once');
    await second.send('l', '1\n', 5);
    await until('second ends', () => second.ended !== undefined);
    expect(second.ended).toBe('input lost: message 1 missing');

    await tty.send('q');
    await until('end of session', () => tty.ended !== undefined);
  }, 90_000);
});
