// The console's web mode as a user runs it (`node dist/main/web.js`), in a child process: for the
// e2e backends and the UI scale bench. Needs `npm run build:app` first (the main bundle and the
// renderer it serves).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WebModeProcess {
  /** The page to open, with the access token in its fragment. */
  url: string;
  child: ChildProcess;
  /** What it printed so far (the last ~100 KB). */
  output(): string;
}

/** Starts `node dist/main/web.js --port 0 ARGS` and resolves with the URL it prints. */
export function startWebMode(args: string[], env: NodeJS.ProcessEnv = process.env, root = ROOT): Promise<WebModeProcess> {
  const child = spawn(process.execPath, [join(root, 'dist', 'main', 'web.js'), '--port', '0', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web mode did not print its URL within 120 s:\n${out}`)), 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the web mode exited (${code}) before printing its URL:\n${out}`));
    });
  });
}

/** SIGTERM (the web mode shuts down cleanly on it), SIGKILL after 15 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
