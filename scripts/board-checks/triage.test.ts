import { describe, expect, it } from 'vitest';
import type { Finding } from './pyright-run.js';
import { type AllowEntry, triage, validateAllowlist } from './triage.js';

const f = (over: Partial<Finding>): Finding => ({
  version: 'v1.22.0', file: 'board/lib/a.py', line: 1, rule: 'reportAttributeAccessIssue', message: '"Event" is not a known attribute of module "asyncio"', ...over,
});
const entry = (over: Partial<AllowEntry>): AllowEntry => ({
  file: '*', rule: 'reportAttributeAccessIssue', message: '"Event" is not', versions: ['v1.22.0'], reason: 'a stub gap: the port has asyncio.Event', ...over,
});

describe('allowlist triage', () => {
  it('a "*" entry without count covers the gap wherever it is met', () => {
    const r = triage([f({}), f({ file: 'board/lib/b.py', line: 9 })], [entry({})]);
    expect(r).toEqual({ fresh: [], stale: [] });
  });

  it('a finding no entry covers is fresh: other file, rule, message or version', () => {
    const e = entry({ file: 'board/lib/a.py' });
    const others = [f({ file: 'board/lib/b.py' }), f({ rule: 'reportCallIssue' }), f({ message: '"Lock" is not a known attribute' }), f({ version: 'v1.27.0' })];
    expect(triage([f({}), ...others], [e]).fresh).toEqual(others);
  });

  it('an entry that matches nothing is stale', () => {
    const r = triage([], [entry({})]);
    expect(r.stale.map((s) => s.covered)).toEqual([{}]);
  });

  it('a count is exact in every version it lists: one more or one less is a failure', () => {
    const e = entry({ file: 'board/lib/a.py', count: 2, versions: ['v1.22.0', 'v1.27.0'] });
    const two = [f({}), f({ line: 2 }), f({ version: 'v1.27.0' }), f({ version: 'v1.27.0', line: 2 })];
    expect(triage(two, [e])).toEqual({ fresh: [], stale: [] });
    expect(triage(two.slice(1), [e]).stale[0]?.covered).toEqual({ 'v1.22.0': 1, 'v1.27.0': 2 });
    expect(triage([...two, f({ line: 3 })], [e]).stale).toHaveLength(1);
  });

  it('a site-specific entry listed first takes its findings from a "*" entry after it', () => {
    const site = entry({ file: 'board/lib/a.py', count: 1 });
    const r = triage([f({}), f({ file: 'board/lib/b.py' })], [site, entry({})]);
    expect(r).toEqual({ fresh: [], stale: [] });
  });

  it('every entry needs a reason, a pattern and versions', () => {
    expect(validateAllowlist([entry({ reason: 'stub' }), entry({ message: '', versions: [] }), entry({ count: 0 })])).toHaveLength(4);
  });
});
