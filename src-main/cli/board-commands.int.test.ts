// The mqboard CLI end to end against virtual boards running the board/ firmware, through both
// brokers: commands run in-process (same code as the binary, output captured); one rig of two
// boards per broker kind. sim-01 serves the read/write commands, sim-02 the resets and faults.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirmwareRig } from '../../board/tests/firmware-harness.js';
import { lastStatus, startRig, until } from '../../board/tests/firmware-harness.js';
import { EXIT_CODES } from '../common/errors.js';
import type { MqbError } from '../common/errors.js';
import { decodeText } from '../common/protocol.js';
import { resolveConnection } from '../core/broker-profile.js';
import { Engine } from '../core/engine.js';
import { makeTempDir } from '../sim/test-boards.js';
import { BROKER_KINDS } from '../testing/brokers.js';
import { runTestCli, testIo } from './cli-test-io.js';
import { runCli } from './run-cli.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** The real binary (dist/main, built by the integration global setup) in a child process. */
function runBinary(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mqboard.js'), ...args], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe.each(BROKER_KINDS)('mqboard CLI against virtual boards on %s', (kind) => {
  let rig: FirmwareRig;
  let env: Record<string, string>;
  let b1: string;
  let b2: string;
  const cli = (args: string[], input?: string, extraEnv: Record<string, string> = {}) => runTestCli(args, { ...env, ...extraEnv }, input);

  beforeAll(async () => {
    rig = await startRig({ kind, count: 2 });
    [b1, b2] = rig.prefixes as [string, string];
    env = { MQBOARD_SERVER: rig.broker.url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw', MQBOARD_HISTORY: path.join(makeTempDir(), 'history') };
    await rig.fleet.start();
    await until('both boards online', () => lastStatus(rig, b1)?.online && lastStatus(rig, b2)?.online, 40_000);
  }, 90_000);
  afterAll(async () => {
    await rig?.close();
  });

  it('eval prints an expression\'s repr and what statements print; a traceback exits BOARD_ERROR', async () => {
    expect(await cli(['eval', '-p', b1, '6 * 7'])).toMatchObject({ code: 0, out: '42\n' });
    expect(await cli(['-p', b1, 'eval', 'for i in range(3): print("line", i)'])).toMatchObject({ code: 0, out: 'line 0\nline 1\nline 2\n' });
    const json = await cli(['eval', '-p', b1, '--json', '"a" * 3']);
    expect(JSON.parse(json.out)).toEqual({ output: "'aaa'" });
    const err = await cli(['eval', '-p', b1, '1 / 0']);
    expect(err.code).toBe(EXIT_CODES.BOARD_ERROR);
    expect(err.err).toMatch(/ZeroDivisionError/);
  });

  it('exec runs a local file or -c code and streams long output whole', async () => {
    const file = path.join(makeTempDir(), 'script.py');
    fs.writeFileSync(file, 'total = 0\nfor i in range(300):\n    total += i\n    print("%03d" % i, "y" * 30)\nprint("total", total)\n');
    const r = await cli(['exec', '-p', b1, file]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(301);
    expect(lines[299]).toBe(`299 ${'y'.repeat(30)}`);
    expect(lines[300]).toBe('total 44850');
    expect(await cli(['exec', '-p', b1, '-c', 'print("hi")'])).toMatchObject({ code: 0, out: 'hi\n' });
    expect((await cli(['exec', '-p', b1, path.join(makeTempDir(), 'missing.py')])).code).toBe(EXIT_CODES.LOCAL_IO);
  });

  it('ls, mkdir, mv, rm and rmdir change the board\'s file system', async () => {
    expect((await cli(['mkdir', '-p', b1, '/clitest'])).code).toBe(0);
    expect((await cli(['exec', '-p', b1, '-c', 'open("/clitest/a.txt", "w").write("hello")'])).code).toBe(0);
    const ls = await cli(['ls', '-p', b1, '--json', '/clitest']);
    expect(JSON.parse(ls.out)).toEqual([expect.objectContaining({ name: 'a.txt', type: 'f', size: 5 })]);
    expect((await cli(['mv', '-p', b1, '/clitest/a.txt', '/clitest/b.txt'])).code).toBe(0);
    const table = await cli(['ls', '-p', b1, '/clitest']);
    expect(table.out).toMatch(/^- +5 .* b\.txt$/m);
    expect(table.out).not.toMatch(/a\.txt/);
    const root = await cli(['ls', '-p', b1]);
    expect(root.out).toMatch(/ clitest\/$/m);
    const notEmpty = await cli(['rmdir', '-p', b1, '/clitest']);
    expect(notEmpty.code).toBe(EXIT_CODES.BOARD_ERROR);
    expect((await cli(['rm', '-p', b1, '/clitest/b.txt'])).code).toBe(0);
    expect((await cli(['rmdir', '-p', b1, '/clitest'])).code).toBe(0);
    const gone = await cli(['ls', '-p', b1, '/clitest']);
    expect(gone.code).toBe(EXIT_CODES.BOARD_ERROR);
    expect(gone.err).toMatch(/ENOENT/);
  });

  it('status and fleet show the boards, as tables and as JSON', async () => {
    const status = await cli(['status', '-p', b1, '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.out) as Record<string, unknown>;
    expect(s).toMatchObject({ prefix: b1, online: true, proto: 2, safeMode: false });
    expect(s.caps).toContain('eval');
    const text = await cli(['status', '-p', b1]);
    expect(text.out).toMatch(/^online +yes$/m);
    const fleet = await cli(['fleet', '--json']);
    const boards = JSON.parse(fleet.out) as Array<{ prefix: string; online: boolean }>;
    expect(boards.map((b) => b.prefix)).toEqual([b1, b2]);
    const table = await cli(['fleet']);
    expect(table.out.split('\n')[0]).toMatch(/^PREFIX +ONLINE +STATE +FW +PARTITION +SAFE MODE +CRASHES +UPTIME +LAST SEEN +TAGS$/);
    expect(table.out).toMatch(new RegExp(`^${b2} +yes `, 'm'));
  });

  it('view shows new log lines colored by severity, filtered by level and text', async () => {
    const t = testIo({ ...env, FORCE_COLOR: '1' });
    t.stdin.end();
    const archive = path.join(makeTempDir(), 'b1.log');
    const viewing = runCli(['view', '-p', b1, '--level', 'warning', '--grep', 'cli-view', '--count', '2', '--duration', '30', '--archive', archive], t.io);
    let n = 0;
    const done = until('two log lines shown', async () => {
      if (t.out().split('\n').length > 2) return true;
      await cli(['exec', '-p', b1, '-c', `import mqb_log\nlg = mqb_log.getLogger("clitest")\nlg.info("cli-view info ${n}")\nlg.warning("cli-view warn ${n}")\nlg.error("cli-view error ${n}")\nlg.warning("unrelated")`]);
      n++;
      await new Promise((r) => setTimeout(r, 300));
      return false;
    });
    await done;
    expect(await viewing).toBe(0);
    const lines = t.out().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const colored = (line: string, color: string, text: RegExp) => line.startsWith(color) && line.endsWith('\x1b[0m') && text.test(line.slice(color.length, -4));
    expect(colored(lines[0]!, '\x1b[33;1m', /^W \S+ +clitest: cli-view warn \d+$/)).toBe(true);
    expect(colored(lines[1]!, '\x1b[31;1m', /^E \S+ +clitest: cli-view error \d+$/)).toBe(true);
    expect(t.out()).not.toMatch(/info|unrelated/);
    // The archive keeps every line, unfiltered, uncolored, with the time it arrived.
    expect(fs.readFileSync(archive, 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT\S+Z I \S+ +clitest: cli-view info \d+$/m);
    const unwritable = await cli(['view', '-p', b1, '--duration', '0.2', '--archive', path.join(makeTempDir(), 'no', 'such', 'dir', 'x.log')]);
    expect(unwritable.code).toBe(EXIT_CODES.LOCAL_IO);
  });

  it('crashlog shows the board\'s crash records and clears them', async () => {
    expect((await cli(['exec', '-p', b1, '-c', 'import mqb_crash\nmqb_crash.record("cli test crash", "clitest")'])).code).toBe(0);
    const shown = await cli(['crashlog', '-p', b1, '--json']);
    expect(JSON.parse(shown.out)).toContainEqual(expect.objectContaining({ where: 'clitest', error: 'cli test crash' }));
    const text = await cli(['crashlog', '-p', b1]);
    expect(text.out).toMatch(/in clitest: cli test crash/);
    expect(await cli(['crashlog', '-p', b1, 'clear'])).toMatchObject({ code: 0, out: `${b1}: crash records cleared\n` });
    expect(JSON.parse((await cli(['crashlog', '-p', b1, '--json'])).out)).toEqual([]);
  });

  it('repl without a board REPL runs an eval loop over piped input, blocks included', async () => {
    const r = await cli(['repl', '-p', b1, '--eval-loop'], 'x = 5\nx * 2\nfor i in range(2):\n    print("i", i)\n\n1/0\nx + 1\n');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^10\ni 0\ni 1\n(.|\n)*ZeroDivisionError(.|\n)*\n6\n$/);
  });

  it('errors: no prefix, no such board, a silent board (timeout), wrong password, broker down', async () => {
    const noPrefix = await cli(['eval', '1']);
    expect(noPrefix.code).toBe(EXIT_CODES.USAGE);
    expect(noPrefix.err).toMatch(/--prefix/);
    const nobody = await cli(['eval', '-p', 'sim/nobody', '--timeout', '1', '1']);
    expect(nobody.code).toBe(EXIT_CODES.NO_BOARD);
    expect(nobody.err).toMatch(/no board "sim\/nobody"/);
    const slow = await cli(['eval', '-p', b1, '--timeout', '0.5', 'import time\ntime.sleep(2)']);
    expect(slow.code).toBe(EXIT_CODES.TIMEOUT);
    expect(slow.err).toMatch(/did not answer eval within 0.5 s/);
    const auth = await cli(['eval', '-p', b1, '1'], undefined, { MQBOARD_PASSWORD: 'not-the-password' });
    expect(auth.code).toBe(EXIT_CODES.AUTH);
    expect(auth.err).not.toContain('not-the-password');
    const json = await cli(['eval', '-p', b1, '--json', '1'], undefined, { MQBOARD_PASSWORD: 'not-the-password' });
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { code: 'AUTH' } });
    const down = await cli(['eval', '-p', b1, '1'], undefined, { MQBOARD_SERVER: 'mqtt://127.0.0.1:1' });
    expect(down.code).toBe(EXIT_CODES.BROKER_DOWN);
  });

  it('engine: unknown commands answer BOARD_ERROR with the board\'s text; send streams with SEQ acks', async () => {
    const engine = new Engine();
    try {
      const profile = resolveConnection({}, env).profile;
      await engine.connect(profile, { discover: false });
      const { client } = await engine.openBoard(profile.id, b1);
      const e = (await client.request('nope').catch((x: unknown) => x)) as MqbError;
      expect(e.code).toBe('BOARD_ERROR');
      expect(e.message).toBe("Command 'nope' not supported");
      const chunks = Array.from({ length: 40 }, (_, i) => new Uint8Array(4096).fill(i));
      const acks: number[] = [];
      const reply = await client.send('put', { tail: '/sendtest.bin', chunks, onAck: (n) => acks.push(n) });
      expect(decodeText(reply)).toBe('OK');
      // Acks are cumulative (a busy board sends only the newest): increasing multiples of 8.
      // With 40 messages and a window of 16 the upload cannot finish without at least one.
      expect(acks.length).toBeGreaterThan(0);
      expect(acks.every((n, i) => n % 8 === 0 && (i === 0 || n > acks[i - 1]!))).toBe(true);
      const size = decodeText(await client.request('eval', { payload: '__import__("os").stat("/sendtest.bin")[6]' }));
      expect(size).toBe(String(40 * 4096));
      await client.request('rm', { tail: '/sendtest.bin' });
    } finally {
      await engine.close();
    }
  });

  it('the mqboard binary exits with the command\'s code and leaves nothing running', async () => {
    const ok = await runBinary(['eval', '-p', b1, '1 + 1'], env);
    expect(ok).toEqual({ code: 0, out: '2\n', err: '' });
    const nobody = await runBinary(['status', '-p', 'sim/nobody', '--timeout', '0.5'], env);
    expect(nobody.code).toBe(EXIT_CODES.NO_BOARD);
    const usage = await runBinary(['eval', '-p', b1, '--no-such-option', '1'], env);
    expect(usage.code).toBe(EXIT_CODES.USAGE);
    expect(usage.err).toMatch(/unknown option/);
  });

  it('reset safe --wait: the board comes back in safe mode', async () => {
    const r = await cli(['reset', 'safe', '-p', b2, '--wait', '40', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { status: { safeMode: boolean; online: boolean; boots: number } };
    expect(j.status).toMatchObject({ online: true, safeMode: true });
    // The fast test watchdog reverts to normal mode once the safe boot is healthy.
    await until('normal mode again', () => lastStatus(rig, b2)?.online && lastStatus(rig, b2)?.safe_mode === false && (lastStatus(rig, b2)?.boots as number) > j.status.boots, 40_000);
  });

  it('a board that resets in the middle of a command → BOARD_RESET; an offline board → OFFLINE unless --force', async () => {
    const reset = await cli(['eval', '-p', b2, '--timeout', '20', 'import machine\nmachine.reset()']);
    expect(reset.code).toBe(EXIT_CODES.BOARD_RESET);
    expect(reset.err).toMatch(/restarted during eval/);
    await until('back online', () => lastStatus(rig, b2)?.online, 40_000);
    await rig.boards[1]!.powerOff();
    await until('last will', () => lastStatus(rig, b2)?.online === false, 30_000);
    const offline = await cli(['eval', '-p', b2, '1']);
    expect(offline.code).toBe(EXIT_CODES.OFFLINE);
    expect(offline.err).toMatch(/offline.*--force/);
    const forced = await cli(['eval', '-p', b2, '--force', '--timeout', '0.5', '1']);
    expect(forced.code).toBe(EXIT_CODES.TIMEOUT);
    const status = JSON.parse((await cli(['status', '-p', b2, '--json'])).out) as { online: boolean };
    expect(status.online).toBe(false);
  }, 90_000);
});

describe.each(BROKER_KINDS)('mqboard CLI and TLS on %s', (kind) => {
  it('an unknown CA fails with TLS; --ca with the right CA connects (and finds no board)', async () => {
    const { startTestBroker } = await import('../testing/brokers.js');
    const broker = await startTestBroker(kind, { tls: true, users: { console: 'console-pw' } });
    try {
      const url = broker.tlsUrl!.replace('127.0.0.1', 'localhost');
      const env = { MQBOARD_SERVER: url, MQBOARD_USER: 'console', MQBOARD_PASSWORD: 'console-pw' };
      const bad = await runTestCli(['status', '-p', 'sim/x'], env);
      expect(bad.code).toBe(EXIT_CODES.TLS);
      expect(bad.err).toMatch(/--ca/);
      const ca = path.join(makeTempDir(), 'ca.pem');
      fs.writeFileSync(ca, broker.caPem!);
      const good = await runTestCli(['status', '-p', 'sim/x', '--ca', ca, '--timeout', '0.5'], env);
      expect(good.code).toBe(EXIT_CODES.NO_BOARD);
      const insecure = await runTestCli(['status', '-p', 'sim/x', '--insecure', '--timeout', '0.5'], env);
      expect(insecure.code).toBe(EXIT_CODES.NO_BOARD);
      expect(insecure.err).toMatch(/warning: --insecure/);
    } finally {
      await broker.close();
    }
  });
});
