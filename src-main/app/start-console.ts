// Starts the console's main side for Electron or the web mode: the saved profiles, and, when none
// is configured, the embedded demo (a loopback broker and 3 virtual boards, one in safe mode)
// connected as the built-in profile "demo".
import * as path from 'node:path';
import type { BrokerProfile } from '../core/broker-profile.js';
import { ConsoleService } from './console-service.js';
import { startDemoFleet } from './demo-fleet.js';
import type { DemoFleet } from './demo-fleet.js';
import { ProfileStore } from './profile-store.js';
import type { SecretCodec } from './profile-store.js';
import type { OpenFileDialog } from './service-context.js';

export const DEMO_PROFILE_ID = 'demo';
export const PROFILES_FILE = 'profiles.json';

export interface StartConsoleOptions {
  mode: 'electron' | 'web';
  version: string;
  /** Where profiles.json and the demo fleet's state live. */
  dataDir: string;
  secrets?: SecretCodec;
  openFileDialog?: OpenFileDialog;
  /** 'auto' (default): the demo runs when no profile is saved. */
  demo?: 'auto' | 'always' | 'never';
  /** Start the demo fleet from scratch. */
  freshDemo?: boolean;
  log?: (msg: string) => void;
}

export interface RunningConsole {
  service: ConsoleService;
  demo?: DemoFleet;
  close(): Promise<void>;
}

export async function startConsole(opts: StartConsoleOptions): Promise<RunningConsole> {
  const log = opts.log ?? ((m: string) => console.error(m));
  const file = path.join(opts.dataDir, PROFILES_FILE);
  const saved = new ProfileStore({ file, ...(opts.secrets && { secrets: opts.secrets }), log });
  const wantDemo = opts.demo === 'always' || ((opts.demo ?? 'auto') === 'auto' && saved.list().length === 0);

  let demo: DemoFleet | undefined;
  let profiles = saved;
  if (wantDemo) {
    log('mqboard: no broker profile configured: starting the demo (embedded broker on 127.0.0.1, 3 virtual boards)');
    demo = await startDemoFleet({ dir: path.join(opts.dataDir, 'demo-fleet'), ...(opts.freshDemo && { fresh: true }) });
    const builtin: BrokerProfile = {
      id: DEMO_PROFILE_ID,
      name: 'Demo (embedded broker)',
      url: demo.console.url,
      username: demo.console.username,
      password: demo.console.password,
    };
    profiles = new ProfileStore({ file, ...(opts.secrets && { secrets: opts.secrets }), builtin: [builtin], log });
  }
  const service = new ConsoleService({
    info: { mode: opts.mode, version: opts.version, ...(demo && { demoProfileId: DEMO_PROFILE_ID }) },
    profiles,
    ...(opts.openFileDialog && { openFileDialog: opts.openFileDialog }),
  });
  const close = async () => {
    await service.close();
    await demo?.stop();
  };
  if (demo) {
    try {
      await service.connect(DEMO_PROFILE_ID);
    } catch (err) {
      await close();
      throw err;
    }
  }
  return { service, ...(demo && { demo }), close };
}
