// Who may talk to the web mode's server. The token (random, printed once in the URL fragment)
// is what really guards it; the Host and Origin checks stop other web pages in the user's browser
// (cross-site WebSocket hijacking, DNS rebinding) from even trying.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WS_PATH } from '../common/contract.js';

export const newAccessToken = (): string => randomBytes(32).toString('base64url');

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  // Constant-time for equal lengths; a different length says nothing about the content.
  return a.length === b.length && timingSafeEqual(a, b);
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
export const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === '::1' || host === 'localhost';

/** Host headers the server answers to: the loopback names when bound to loopback. */
export function allowedHosts(bindHost: string, port: number): Set<string> | undefined {
  if (!isLoopback(bindHost)) return undefined; // bound to a LAN interface on purpose: any name
  return new Set(LOOPBACK_NAMES.map((h) => `${h}:${port}`));
}

export function hostAllowed(hostHeader: string | undefined, allowed: Set<string> | undefined): boolean {
  if (!hostHeader) return false;
  return allowed ? allowed.has(hostHeader.toLowerCase()) : true;
}

export type UpgradeVerdict = { ok: true } | { ok: false; status: number; reason: string };

/**
 * Checks a WebSocket upgrade: our path, a known Host, an Origin that is this very server (a
 * browser always sends Origin; pages elsewhere have another one), and the token.
 */
export function checkUpgrade(req: Pick<IncomingMessage, 'url' | 'headers'>, token: string, allowed: Set<string> | undefined): UpgradeVerdict {
  const url = new URL(req.url ?? '/', 'http://placeholder');
  if (url.pathname !== WS_PATH) return { ok: false, status: 404, reason: 'Not Found' };
  const host = req.headers.host;
  if (!hostAllowed(host, allowed)) return { ok: false, status: 403, reason: 'Forbidden' };
  const origin = req.headers.origin;
  if (origin !== `http://${host}` && origin !== `https://${host}`) return { ok: false, status: 403, reason: 'Forbidden' };
  if (!tokenMatches(token, url.searchParams.get('token'))) return { ok: false, status: 401, reason: 'Unauthorized' };
  return { ok: true };
}
