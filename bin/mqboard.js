#!/usr/bin/env node
// Entry point of the `mqboard` CLI; the TypeScript sources are bundled into dist/main by `npm install`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('mqboard: dist/main/cli.js is missing; run `npm run build` in the project directory first.');
  process.exit(70);
}
await import(cli.href);
