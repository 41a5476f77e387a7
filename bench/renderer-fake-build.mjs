// Builds the UI on the in-memory fake console (src-renderer/testing/fake-main.tsx) into
// dist/renderer-fake, and serves it: for the renderer performance bench and the UI e2e tests
// that need no broker. Production React, like the shipped renderer.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, dirname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FAKE_OUT = join(root, 'dist', 'renderer-fake');

export async function buildFakeRenderer() {
  mkdirSync(FAKE_OUT, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'src-renderer/testing/fake-main.tsx' },
    outdir: FAKE_OUT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    jsx: 'automatic',
    minify: process.env.FAKE_MINIFY !== '0',
    sourcemap: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff2': 'file', '.svg': 'file' },
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'src-renderer', 'index.html'), join(FAKE_OUT, 'index.html'));
  return FAKE_OUT;
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

/** Serves a directory on 127.0.0.1 (a free port); resolves with its origin and a close function. */
export function serveDir(dir) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ origin: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildFakeRenderer();
  if (process.argv.includes('--serve')) {
    const s = await serveDir(out);
    console.log(`${s.origin}/?boards=1000&logging=200&lines=10&connected=1`);
  } else console.log(out);
}
