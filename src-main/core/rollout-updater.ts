// The BoardUpdater a stored rollout needs, for the CLI and the desktop console alike: a firmware
// rollout's image is read again from its file and refused when its SHA-256 changed since the
// rollout started (a resume, maybe in another process); a file set's spec is read from its path.
import * as path from 'node:path';
import { MqbError } from '../common/errors.js';
import type { Rollout } from '../common/rollout-state.js';
import type { UpdateSigner } from '../common/signing.js';
import type { Engine } from './engine.js';
import { readLocal } from './file-transfer.js';
import { checkOtaImage } from './ota-engine.js';
import type { BoardUpdater } from './rollout-engine.js';
import { filesUpdater } from './rollout-files.js';
import { firmwareUpdater } from './rollout-firmware.js';

export interface RolloutUpdaterOptions {
  engine: Engine;
  profileId: string;
  /** Silence after which a board is considered gone. */
  timeoutMs: number;
  sign?: UpdateSigner;
  /** Upload tries per board after drops (firmware). */
  attempts?: number;
  /** Sleeping boards are waited for, each wait at most this long; without it they are skipped. */
  wakeWaitMs?: number;
}

export async function rolloutUpdater(r: Rollout, o: RolloutUpdaterOptions): Promise<BoardUpdater> {
  const what = r.def.what;
  const base = { engine: o.engine, profileId: o.profileId, gate: r.def.gate, timeoutMs: o.timeoutMs, ...(o.sign && { sign: o.sign }) };
  if (what.kind === 'files') {
    const specText = new TextDecoder().decode(await readLocal(what.spec));
    return filesUpdater({ ...base, specText, specDir: path.dirname(what.spec), ...(o.wakeWaitMs !== undefined && { wakeWaitMs: o.wakeWaitMs }) });
  }
  const image = await readLocal(what.file);
  if (checkOtaImage(image, what.file).sha256 !== what.sha256) throw new MqbError('USAGE', `${what.file} changed since rollout ${r.def.id} started (SHA-256 differs); start a new rollout for the new image`);
  return firmwareUpdater({
    ...base, image, sha256: what.sha256, version: what.version,
    ...(o.attempts !== undefined && { attempts: o.attempts }), ...(o.wakeWaitMs !== undefined && { wakeWaitMs: o.wakeWaitMs }),
  });
}
