// `mqboard sim` / `demo` print how to point the CLI at their embedded broker: a console user the
// prefix ACL does not confine, its password in a file only the owner can read.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../common/errors.js';
import { makeTempDir } from '../sim/test-boards.js';
import { runTestCli, testIo } from './cli-test-io.js';
import { runCli } from './run-cli.js';
import { until } from '../testing/until.js';


const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

describe('mqboard sim with its embedded broker', () => {
  it('prints the environment for the CLI, and the CLI then manages the fleet with it', async () => {
    const dir = path.join(makeTempDir(), 'fleet');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'mqboard.js'), 'sim', '--boards', '1', '--dir', dir, '-q'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 40_000;
      while (!/boards running/.test(err)) {
        if (Date.now() > deadline) throw new Error(`sim did not start:\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const m = /export MQBOARD_SERVER=(\S+) MQBOARD_USER=(\S+) MQBOARD_PASSWORD="\$\(cat (\S+)\)"/.exec(err);
      expect(m).not.toBeNull();
      const [, server, user, file] = m!;
      expect(fs.statSync(file!).mode & 0o077).toBe(0);
      const password = fs.readFileSync(file!, 'utf8').trim();
      expect(err).not.toContain(password);
      const env = { MQBOARD_SERVER: server, MQBOARD_USER: user, MQBOARD_PASSWORD: password };
      let fleet = { code: -1, out: '', err: '' };
      for (let i = 0; i < 100 && !fleet.out.includes('sim/sim-01'); i++) {
        fleet = await runTestCli(['fleet', '--json'], env);
        if (!fleet.out.includes('sim/sim-01')) await new Promise((r) => setTimeout(r, 300));
      }
      expect(JSON.parse(fleet.out)).toEqual([expect.objectContaining({ prefix: 'sim/sim-01', online: true })]);
      expect(await runTestCli(['eval', '-p', 'sim/sim-01', '2 ** 10'], env)).toMatchObject({ code: 0, out: '1024\n' });

      // Ctrl-C in `mqboard repl` ends a busy loop on a board another process runs: the console
      // only sends `c`, the board's own timer finds it in its socket (as on an ESP32).
      const repl = testIo(env);
      const done = runCli(['repl', '-p', 'sim/sim-01'], repl.io);
      repl.stdin.write('n = 0\nwhile True:\n    n += 1\n\n');
      await new Promise((r) => setTimeout(r, 1000)); // the loop runs
      repl.interrupt();
      await until('KeyboardInterrupt after Ctrl-C', () => repl.out().includes('KeyboardInterrupt'), 10_000).catch((e: Error) => {
        throw new Error(`${e.message}; output so far:\n${repl.out()}\n${repl.err()}`);
      });
      repl.stdin.end('n > 1000\n');
      expect(await done).toBe(0);
      expect(repl.out()).toMatch(/KeyboardInterrupt[\s\S]*True\n/);
      // A board's own user stays confined to its prefix.
      const records = JSON.parse(fs.readFileSync(path.join(dir, 'fleet.json'), 'utf8')) as { boards: Array<{ mqttUser: string; mqttPassword: string }> };
      const boardUser = { MQBOARD_SERVER: server, MQBOARD_USER: records.boards[0]!.mqttUser, MQBOARD_PASSWORD: records.boards[0]!.mqttPassword };
      const confined = await runTestCli(['fleet', '--listen', '0.5'], boardUser);
      expect(confined.code).toBe(EXIT_CODES.AUTH);
      expect(confined.err).toMatch(/refused the subscription to \+\/mqb\/status/);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  }, 90_000);
});
