// Test helper: the board's firmware files, read from board/, for virtual boards in tests.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const BOARD_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Reads firmware files (paths relative to board/) into a flash layout: target path → contents. */
export function boardFiles(map: Record<string, string>): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const [target, source] of Object.entries(map)) out[target] = fs.readFileSync(path.join(BOARD_DIR, source));
  return out;
}

/** The MQTT client and its logging dependency, where the firmware keeps them (/lib). */
export const MQTT_LIB = { 'lib/mqb_mqtt.py': 'lib/mqb_mqtt.py', 'lib/mqb_log.py': 'lib/mqb_log.py', 'lib/mqb_clock.py': 'lib/mqb_clock.py' };
