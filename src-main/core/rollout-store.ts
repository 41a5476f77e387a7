// Rollouts on disk: one JSON file per rollout under <dataDir>/rollouts/<id>.json, rewritten after
// every change. Each write goes to a temporary file in the same folder (owner-only, 0600), is
// flushed, then renamed over the old one: a crash mid-write leaves the previous state whole.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MqbError } from '../common/errors.js';
import type { Rollout } from '../common/rollout-state.js';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

function checkId(id: string): string {
  // The id names a file: nothing that climbs out of the folder.
  if (!ID_RE.test(id) || id.includes('..')) throw new MqbError('USAGE', `"${id}" is not a rollout id (see \`mqboard rollout status\`)`);
  return id;
}

function isRollout(v: unknown): v is Rollout {
  const r = v as Partial<Rollout> | null;
  return typeof r === 'object' && r !== null && typeof r.def?.id === 'string' && Array.isArray(r.waves) && typeof r.boards === 'object' && typeof r.status === 'string';
}

export class RolloutStore {
  readonly dir: string;
  private seq = 0;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'rollouts');
  }

  fileOf(id: string): string {
    return path.join(this.dir, `${checkId(id)}.json`);
  }

  async save(r: Rollout): Promise<void> {
    const file = this.fileOf(r.def.id);
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${++this.seq}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(r, null, 1)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw new MqbError('LOCAL_IO', `cannot save rollout ${r.def.id} to ${file}: ${(e as Error).message}`);
    }
  }

  /** The rollout; USAGE when there is none by that id, LOCAL_IO when its file is damaged. */
  async load(id: string): Promise<Rollout> {
    const file = this.fileOf(id);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new MqbError('USAGE', `no rollout "${id}" in ${this.dir}`);
      throw new MqbError('LOCAL_IO', `cannot read ${file}: ${(e as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new MqbError('LOCAL_IO', `${file} is not valid JSON (${(e as Error).message}); it was left as it is`);
    }
    if (!isRollout(parsed)) throw new MqbError('LOCAL_IO', `${file} does not hold a rollout; it was left as it is`);
    return parsed;
  }

  /** Every stored rollout, oldest first (ids sort by creation time); unreadable files are left out. */
  async list(): Promise<Rollout[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new MqbError('LOCAL_IO', `cannot list ${this.dir}: ${(e as Error).message}`);
    }
    const out: Rollout[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        out.push(await this.load(name.slice(0, -'.json'.length)));
      } catch {
        // A damaged file is reported when asked for by id, not in every listing.
      }
    }
    return out.sort((a, b) => a.def.createdAt - b.def.createdAt || a.def.id.localeCompare(b.def.id));
  }

  /**
   * Marks the rollout as run by this process (<id>.lock holds its pid): a second `start` or
   * `resume` of the same rollout is refused while the first process lives; a dead one's lock is
   * taken over (the console crashed). Returns the function that releases it.
   */
  async lock(id: string, pid = process.pid): Promise<() => Promise<void>> {
    const file = `${this.fileOf(id)}.lock`;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (let tries = 0; ; tries++) {
      try {
        await fs.writeFile(file, String(pid), { flag: 'wx', mode: 0o600 });
        return () => fs.rm(file, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw new MqbError('LOCAL_IO', `cannot lock rollout ${id}: ${(e as Error).message}`);
      }
      const owner = await this.runningPid(id);
      if (owner !== undefined) throw new MqbError('USAGE', `rollout ${id} is running in process ${owner}; pause or abort it with \`mqboard rollout pause|abort ${id}\``);
      await fs.rm(file, { force: true });
    }
  }

  /** The pid of the live process running the rollout, if any. */
  async runningPid(id: string): Promise<number | undefined> {
    const pid = Number(await fs.readFile(`${this.fileOf(id)}.lock`, 'utf8').catch(() => ''));
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
    }
  }

  /** Asks the process running the rollout to pause or abort (it polls takeRequest). */
  async request(id: string, what: 'pause' | 'abort'): Promise<void> {
    await fs.writeFile(`${this.fileOf(id)}.request`, what, { mode: 0o600 });
  }

  /** The pending request for this rollout, removed once read. */
  async takeRequest(id: string): Promise<'pause' | 'abort' | undefined> {
    const file = `${this.fileOf(id)}.request`;
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    await fs.rm(file, { force: true });
    return text.trim() === 'abort' ? 'abort' : text.trim() === 'pause' ? 'pause' : undefined;
  }

  /** The rollout by id, or the most recent one when no id is given. */
  async pick(id: string | undefined): Promise<Rollout> {
    if (id) return this.load(id);
    const all = await this.list();
    const last = all.at(-1);
    if (!last) throw new MqbError('USAGE', `no rollouts yet in ${this.dir} (start one with \`mqboard rollout start\`)`);
    return last;
  }
}
