// Where the console keeps its files (profiles, rollouts): MQBOARD_DATA_DIR, else the OS's
// per-user app data folder as Electron's app.getPath('userData') names it for this app, so the
// CLI and the desktop console share one folder.
import * as os from 'node:os';
import * as path from 'node:path';

/** Electron's userData folder name: package.json's name (no productName is set). */
export const APP_DIR_NAME = 'mqboard-console';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.MQBOARD_DATA_DIR) return path.resolve(env.MQBOARD_DATA_DIR);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_DIR_NAME);
}
