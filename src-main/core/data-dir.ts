// Where the console keeps its state (profiles, signing keys, rollouts): MQBOARD_DATA_DIR, else the
// OS's per-user application data folder under the product name, the same folder Electron's
// app.getPath('userData') gives the desktop console, so the CLI and the desktop share it.
import * as os from 'node:os';
import * as path from 'node:path';

export const PRODUCT_DIR = 'MQBoard Console';

export function consoleDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.MQBOARD_DATA_DIR) return path.resolve(env.MQBOARD_DATA_DIR);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_DIR);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_DIR);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_DIR);
}
