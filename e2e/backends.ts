// What the e2e tests run the UI against:
// - 'fake': the UI built on the in-memory fake console (no broker, no boards; fast UI checks);
// - 'demo': the web mode (`dist/main/web.js`) with its embedded broker (aedes) and demo fleet;
// - 'mosquitto': the web mode with no demo, a real mosquitto and a virtual fleet of 3 boards on
//   it; the test adds the broker profile through the UI.
// - 'rollout': the same, with 3 boards on the fast test watchdog (all-OK after 3 s) and an app that
//   crashes at boot under an image whose version has "-bad" (rollouts.spec.ts); rollouts are kept
//   in `dataDir`, where `mqboard rollout status` finds them.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEMO_BOARD_CONFIG, DEMO_BOARD_COUNT } from '../src-main/app/demo-fleet.js';
import { VirtualFleet } from '../src-main/sim/fleet.js';
import { simPaths } from '../src-main/sim/sim-paths.js';
import { startMosquitto } from '../src-main/testing/mosquitto.js';
import { startWebMode, stopChild } from '../src-main/testing/web-mode-process.js';
import { ROLLOUT_CHECK_APP, ROLLOUT_CHECK_FILE, ROLLOUT_CHECK_MODULES } from '../src-main/testing/rollout-app.js';
import { FAST_WATCHDOG } from '../board/tests/firmware-harness.js';
import { FAKE_OUT, serveDir } from '../bench/renderer-fake-build.mjs';

export type Backend = 'fake' | 'demo' | 'mosquitto' | 'rollout';

export interface ConsoleServer {
  backend: Backend;
  /** The page to open (with the access token in its fragment for the web mode). */
  url: string;
  /** A broker the user must add as a profile first (mosquitto). */
  profile?: { name: string; url: string; username: string; password: string };
  /** The console's MQBOARD_DATA_DIR (rollout). */
  dataDir?: string;
  close(): Promise<void>;
}

export async function startBackend(backend: Backend): Promise<ConsoleServer> {
  if (backend === 'fake') {
    const s = await serveDir(FAKE_OUT);
    return { backend, url: `${s.origin}/`, close: s.close };
  }
  const dataDir = mkdtempSync(join(tmpdir(), `mqboard-e2e-${backend}-`));
  if (backend === 'demo') {
    const web = await startWebMode(['--demo', 'always', '--fresh', '--data-dir', dataDir]);
    return {
      backend,
      url: web.url,
      close: async () => {
        await stopChild(web.child);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // mosquitto: the same 3 boards as the demo (sim-03 crashes), on a mosquitto with a user per board.
  const rollout = backend === 'rollout';
  const fleet = VirtualFleet.open({
    dir: join(dataDir, 'fleet'), count: DEMO_BOARD_COUNT, firmwareDir: simPaths().boardDir, fresh: true, radio: 'instant',
    ...(rollout ? { boardConfig: { watchdog: FAST_WATCHDOG, modules: ROLLOUT_CHECK_MODULES } } : DEMO_BOARD_CONFIG),
  });
  if (rollout) {
    for (const b of fleet.boards) {
      const file = join(b.state.flashDir, ROLLOUT_CHECK_FILE);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, ROLLOUT_CHECK_APP);
    }
  }
  const password = randomBytes(12).toString('base64url');
  const broker = await startMosquitto({ users: { ...fleet.brokerUsers(), 'e2e-console': password } });
  const cleanups: (() => Promise<void>)[] = [() => broker.close()];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    fleet.configure({ host: '127.0.0.1', port: broker.port, tls: false });
    cleanups.push(() => fleet.stop());
    await fleet.start();
    const consoleDir = join(dataDir, 'console');
    const web = await startWebMode(['--demo', 'never', '--data-dir', consoleDir], { ...process.env, MQBOARD_DATA_DIR: consoleDir });
    cleanups.push(() => stopChild(web.child));
    return { backend, url: web.url, profile: { name: 'Mosquitto (e2e)', url: broker.url, username: 'e2e-console', password }, dataDir: consoleDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}
