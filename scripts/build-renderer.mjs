// Builds the console UI (src-renderer) into dist/renderer for Electron and the web mode: one
// ES module bundle (app.js), one stylesheet (app.css: the app's CSS and xterm.css, imported by
// main.tsx) and index.html. `--dev` keeps it unminified.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'renderer');

export async function buildRenderer({ dev = false } = {}) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'src-renderer/main.tsx' },
    outdir: out,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    // Electron 45 is Chromium 140; the web mode asks for a current browser.
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    minify: !dev,
    sourcemap: 'linked',
    // No eval-based source maps or runtime code generation: the CSP forbids 'unsafe-eval'.
    define: { 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production') },
    loader: { '.woff2': 'file', '.svg': 'file', '.png': 'file' },
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'src-renderer', 'index.html'), join(out, 'index.html'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildRenderer({ dev: process.argv.includes('--dev') });
}
