// Starts a real mosquitto for the integration suite, bound to loopback only.
//
// The suite runs against both aedes and mosquitto, so a missing mosquitto is an error,
// never a silent skip. Each instance gets its own config directory and free ports.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as connectTcp, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import { getTestCa } from './test-ca.js';

export interface MosquittoOptions {
  /** Adds a TLS listener presenting a certificate from the test CA. */
  tls?: boolean;
  /** Which test-CA certificate the TLS listener presents (default 'localhost'). */
  tlsServerCert?: 'localhost' | 'wrong-host';
  /** username → password; anonymous clients are then refused. */
  users?: Record<string, string>;
  /** `pattern readwrite %u/#`: clients only see topics under their username. */
  aclPrefix?: boolean;
  /** The text of an ACL file (`user`, `topic`, `pattern` lines), instead of aclPrefix. */
  acl?: string;
  /** Appended at the end of the config, i.e. after the last (TLS if any) listener. */
  extraConfig?: string;
  startTimeoutMs?: number;
}

export interface MosquittoBroker {
  url: string;
  port: number;
  tlsUrl?: string;
  tlsPort?: number;
  configDir: string;
  /** Everything mosquitto wrote to stdout and stderr so far. */
  logs(): string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_LOG_CHARS = 1_000_000;
const START_ATTEMPTS = 3; // free ports are picked before mosquitto binds them, so another process may win

// Debian installs mosquitto in /usr/sbin, which is not on every user's PATH.
function findExecutable(name: string, envVar: string): string {
  const fromEnv = process.env[envVar];
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin', '/opt/homebrew/sbin'];
  const candidates = fromEnv ? [fromEnv] : dirs.filter(Boolean).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `${name} not found (looked in ${fromEnv ? envVar : 'PATH and /usr/sbin'}): install it (apt-get install mosquitto) ` +
      `or set ${envVar}. The integration suite must run against mosquitto, it never skips it.`,
  );
}

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${file} ${args[0] ?? ''} failed: ${error.message}\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

/** Distinct free loopback ports; the servers stay open until all are picked so none repeats. */
async function pickFreePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map((server) => new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
    })),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function writePasswordFile(path: string, users: Record<string, string>): Promise<void> {
  const lines = Object.entries(users).map(([user, password]) => {
    if (/[:\r\n]/.test(user) || /[\r\n]/.test(password)) throw new Error(`invalid mosquitto username "${user}"`);
    return `${user}:${password}\n`;
  });
  await writeFile(path, lines.join(''), { mode: 0o600 });
  // -U hashes the plain file in place: one process, and no passwords on a command line.
  await run(findExecutable('mosquitto_passwd', 'MOSQUITTO_PASSWD_BIN'), ['-U', path]);
}

async function writeConfig(dir: string, ports: number[], opts: MosquittoOptions): Promise<void> {
  // stderr, not stdout: mosquitto's stdout is block-buffered when piped, so lines would lag.
  const lines = ['per_listener_settings false', 'persistence false', 'log_dest stderr', 'connection_messages true'];
  // As root, mosquitto 2 drops privileges to the "mosquitto" user, which then cannot read
  // our 0700 temp dir (password file, certificates): stay root. Ignored when not root.
  if (process.getuid?.() === 0) lines.push('user root');
  if (opts.users) {
    await writePasswordFile(join(dir, 'passwords'), opts.users);
    lines.push('allow_anonymous false', `password_file ${join(dir, 'passwords')}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (opts.aclPrefix || opts.acl !== undefined) {
    await writeFile(join(dir, 'acl'), opts.acl ?? 'pattern readwrite %u/#\n');
    lines.push(`acl_file ${join(dir, 'acl')}`);
  }
  lines.push(`listener ${ports[0]} ${HOST}`);
  if (opts.tls) {
    const ca = await getTestCa();
    const serverCert = opts.tlsServerCert === 'wrong-host' ? ca.wrongHostServer : ca.server;
    lines.push(`listener ${ports[1]} ${HOST}`, `cafile ${ca.ca.certPath}`, `certfile ${serverCert.certPath}`, `keyfile ${serverCert.keyPath}`);
  }
  if (opts.extraConfig) lines.push(opts.extraConfig);
  await writeFile(join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
}

// mosquitto has no "die with parent" option. This wrapper kills it as soon as its stdin
// (a pipe from us) reaches EOF: when close() ends the pipe, or when this process dies
// for any reason, even SIGKILL (vitest ends its workers with SIGTERM, skipping 'exit'
// handlers). It then removes the config dir. Async lists get /dev/null as stdin, hence fd 3.
const WATCHDOG_SCRIPT = `exec 3<&0
"$1" -c "$2/mosquitto.conf" 3<&- </dev/null &
child=$!
( read -r _ <&3; kill -TERM "$child" 2>/dev/null ) &
watchdog=$!
wait "$child"
code=$?
kill "$watchdog" 2>/dev/null
rm -rf "$2"
exit "$code"`;

// Live instances and their config dirs, cleaned up synchronously if a test forgot close().
const running = new Map<ChildProcess, string>();
process.once('exit', () => {
  for (const [child, configDir] of running) {
    killGroup(child);
    rmSync(configDir, { recursive: true, force: true });
  }
});

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

// 'close', not 'exit': it comes once stdout/stderr are drained, so logs() is complete.
function stoppedPromise(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve()); // never spawned: there is nothing to wait for
  });
}

async function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilListening(child: ChildProcess, ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = [...ports];
  while (pending.length > 0) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`mosquitto exited (code ${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${HOST}:${pending.join(',')} within ${timeoutMs} ms`);
    if (await tcpAccepts(pending[0] ?? 0)) pending.shift();
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startOnce(mosquittoBin: string, opts: MosquittoOptions): Promise<MosquittoBroker> {
  const configDir = await mkdtemp(join(tmpdir(), 'mqboard-mosquitto-'));
  const ports = await pickFreePorts(opts.tls ? 2 : 1);
  let output = '';
  let child: ChildProcess | undefined;
  let stopped: Promise<void> = Promise.resolve();

  const close = async (): Promise<void> => {
    if (child) {
      child.stdin?.end(); // the watchdog's cue to stop mosquitto
      const timer = setTimeout(() => child && killGroup(child), 3_000);
      await stopped;
      clearTimeout(timer);
      running.delete(child);
    }
    await rm(configDir, { recursive: true, force: true });
  };

  try {
    await writeConfig(configDir, ports, opts);
    child = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'mosquitto-watchdog', mosquittoBin, configDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so killGroup() reaches mosquitto too
    });
    running.set(child, configDir);
    stopped = stoppedPromise(child);
    child.on('error', (error) => {
      output += `\nspawn failed: ${error.message}\n`;
    });
    const append = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-MAX_LOG_CHARS);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    child.stdin?.on('error', () => {}); // EPIPE if the wrapper is already gone
    await waitUntilListening(child, ports, opts.startTimeoutMs ?? 10_000);
  } catch (error) {
    await close();
    const reason = error instanceof Error ? error.message : String(error);
    throw Object.assign(new Error(`mosquitto failed to start: ${reason}\n--- mosquitto output ---\n${output}`), {
      addressInUse: output.includes('Address already in use'),
    });
  }

  const [port, tlsPort] = ports as [number, number | undefined];
  let closing: Promise<void> | undefined;
  const broker: MosquittoBroker = {
    url: `mqtt://${HOST}:${port}`,
    port,
    configDir,
    logs: () => output,
    close: () => (closing ??= close()),
  };
  if (tlsPort !== undefined) {
    broker.tlsPort = tlsPort;
    broker.tlsUrl = `mqtts://${HOST}:${tlsPort}`;
  }
  return broker;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const mosquittoBin = findExecutable('mosquitto', 'MOSQUITTO_BIN');
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(mosquittoBin, opts);
    } catch (error) {
      const portTaken = (error as { addressInUse?: boolean }).addressInUse === true;
      if (!portTaken || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

/** How many mosquitto processes this process started and has not closed yet. */
export function runningMosquittoCount(): number {
  return running.size;
}
