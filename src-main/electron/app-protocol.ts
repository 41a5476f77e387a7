// Serves the built renderer on mqboard://app/ (registered as a standard, secure scheme): only
// GET of files under the renderer directory, each with the CSP and security headers.
import * as fs from 'node:fs/promises';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../app/csp.js';
import { contentTypeOf, resolveAsset } from '../app/static-assets.js';
import { APP_HOST, APP_SCHEME } from './window-options.js';

export function createAppProtocolHandler(rootDir: string): (request: { url: string; method: string }) => Promise<Response> {
  const csp = contentSecurityPolicy();
  return async (request) => {
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return new Response('Not Found', { status: 404 });
    if (request.method !== 'GET') return new Response('Method Not Allowed', { status: 405 });
    const file = resolveAsset(rootDir, url.pathname);
    if (!file) return new Response('Not Found', { status: 404 });
    const body = await fs.readFile(file);
    return new Response(body, {
      status: 200,
      headers: { 'Content-Type': contentTypeOf(file), 'Content-Security-Policy': csp, ...SECURITY_HEADERS },
    });
  };
}
