// The reviewed allowlist of pyright findings (allowlist.json): each entry is one finding triaged
// once, with the reason it is not a bug on an ESP32. A finding no entry covers is new and fails
// the suite; so does an entry that covers nothing (or not as many findings as it says), so the
// list can not outlive what it excuses.
import type { Finding, StubVersion } from './pyright-run.js';

export interface AllowEntry {
  /** repo-relative path, or "*" for a stub gap met wherever the firmware uses the API */
  file: string;
  rule: string;
  /** a substring of the finding's (first) message line */
  message: string;
  /** the stub sets that report it */
  versions: StubVersion[];
  /** how many findings it covers in each of those sets; omitted: one or more */
  count?: number;
  reason: string;
}

export interface Triage {
  /** findings no entry covers */
  fresh: Finding[];
  /** entries that do not cover what they say, with what they covered per version */
  stale: { entry: AllowEntry; covered: Partial<Record<StubVersion, number>> }[];
}

function covers(e: AllowEntry, f: Finding): boolean {
  return e.versions.includes(f.version) && (e.file === '*' || e.file === f.file) && e.rule === f.rule && f.message.includes(e.message);
}

export function triage(findings: Finding[], allow: AllowEntry[]): Triage {
  const hits = allow.map(() => new Map<StubVersion, number>());
  const fresh: Finding[] = [];
  for (const f of findings) {
    // The first entry that covers it: a site-specific entry placed before a "*" one wins.
    const i = allow.findIndex((e) => covers(e, f));
    if (i < 0) fresh.push(f);
    else hits[i]!.set(f.version, (hits[i]!.get(f.version) ?? 0) + 1);
  }
  const stale: Triage['stale'] = [];
  allow.forEach((entry, i) => {
    const got = hits[i]!;
    const ok = entry.versions.every((v) => (entry.count === undefined ? (got.get(v) ?? 0) > 0 : got.get(v) === entry.count));
    if (!ok) stale.push({ entry, covered: Object.fromEntries(got) });
  });
  return { fresh, stale };
}

export function validateAllowlist(allow: AllowEntry[]): string[] {
  const problems: string[] = [];
  allow.forEach((e, i) => {
    const where = `allowlist entry ${i} (${e.file} ${e.rule})`;
    if (!e.reason || e.reason.trim().length < 20) problems.push(`${where}: the reason must say why this is not a bug`);
    if (!e.message) problems.push(`${where}: empty message pattern`);
    if (!e.versions?.length) problems.push(`${where}: no versions`);
    if (e.count !== undefined && !(Number.isInteger(e.count) && e.count > 0)) problems.push(`${where}: count must be a positive integer`);
  });
  return problems;
}

export function formatStale(s: Triage['stale'][number]): string {
  const e = s.entry;
  const want = e.count === undefined ? 'at least 1' : String(e.count);
  return `${e.file} ${e.rule} "${e.message}" [${e.versions.join(', ')}]: covers ${JSON.stringify(s.covered)}, expected ${want} per version`;
}
