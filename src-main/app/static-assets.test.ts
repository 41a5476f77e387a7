import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentTypeOf, resolveAsset } from './static-assets.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mqb-assets-'));
fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
fs.mkdirSync(path.join(root, 'css'));
fs.writeFileSync(path.join(root, 'css', 'app.css'), 'body{}');
fs.writeFileSync(path.join(root, '.env'), 'SECRET=1');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('renderer assets', () => {
  it('maps / to index.html and finds files below the root', () => {
    expect(resolveAsset(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveAsset(root, '/css/app.css?v=2')).toBe(path.join(root, 'css', 'app.css'));
    expect(contentTypeOf('x.js')).toBe('text/javascript; charset=utf-8');
  });

  it('never serves outside the root, hidden files, directories or malformed paths', () => {
    for (const p of ['/../x', '/css/../../x', '/%2e%2e/x', '/.env', '/css', '/a%00b', '/..%5c..%5cx', '/%E0%A4%A', '/missing.js']) {
      expect(resolveAsset(root, p), p).toBeUndefined();
    }
  });
});
