import { describe, expect, it } from 'vitest';
import { takeToken, tokenFromHash } from './index.js';

function page(hash: string) {
  const urls: string[] = [];
  const stored = new Map<string, string>();
  return {
    location: { protocol: 'http:', host: '127.0.0.1:8080', hash, pathname: '/', search: '' },
    history: { replaceState: (_d: unknown, _u: string, url: string) => void urls.push(url) },
    store: { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) },
    urls,
  };
}

describe('the web mode token', () => {
  it('is read from the fragment, then removed from the address bar and kept for the tab', () => {
    const p = page('#token=abc%2Fdef');
    expect(takeToken(p.location, p.history, p.store)).toBe('abc/def');
    expect(p.urls).toEqual(['/']);
    // A reload: the address has no token any more, the tab still has it.
    const reload = { ...p.location, hash: '' };
    expect(takeToken(reload, p.history, p.store)).toBe('abc/def');
    expect(p.urls).toEqual(['/']);
  });

  it('keeps the rest of the fragment', () => {
    const p = page('#view=logs&token=t1&x=2');
    expect(takeToken(p.location, p.history, p.store)).toBe('t1');
    expect(p.urls).toEqual(['/#view=logs&x=2']);
  });

  it('is absent without a fragment or storage', () => {
    expect(takeToken(page('').location)).toBeUndefined();
    expect(tokenFromHash('#tokenx=1')).toBeUndefined();
  });
});
