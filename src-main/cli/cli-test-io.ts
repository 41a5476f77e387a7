// Runs CLI command lines in-process for tests: captured stdout/stderr, a stdin the test feeds,
// a Ctrl-C the test can press, and an environment of its own (never the developer's).
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { CliIo, InStream } from './cli-io.js';
import { runCli } from './run-cli.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export interface TestIo {
  io: CliIo;
  stdin: PassThrough;
  out(): string;
  err(): string;
  interrupt(): void;
}

export function testIo(env: Record<string, string | undefined>, opts: { tty?: boolean } = {}): TestIo {
  let out = '';
  let err = '';
  const stdin = new PassThrough();
  const interrupts = new EventEmitter();
  const io: CliIo = {
    stdout: { write: (s: string) => (out += s), isTTY: opts.tty === true },
    stderr: { write: (s: string) => (err += s), isTTY: opts.tty === true },
    stdin: stdin as unknown as InStream,
    env,
    onInterrupt(handler) {
      interrupts.on('sigint', handler);
      return () => interrupts.off('sigint', handler);
    },
  };
  return { io, stdin, out: () => out, err: () => err, interrupt: () => interrupts.emit('sigint') };
}

/** Runs `mqboard <args>`; stdin is closed at once unless `input` keeps it open. */
export async function runTestCli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliRun> {
  const t = testIo(env);
  if (input !== undefined) t.stdin.end(input);
  else t.stdin.end();
  const code = await runCli(args, t.io);
  return { code, out: t.out(), err: t.err() };
}
