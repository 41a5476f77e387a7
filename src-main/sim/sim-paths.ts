// Where the built board worker and the Python shims live. The worker must be plain JavaScript on
// disk, so it is always started from dist/main (built by `npm install` / the test setup), also
// when this module runs from the TypeScript sources under Vitest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mqboard-console') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the mqboard-console package root');
    dir = up;
  }
}

export interface SimPaths {
  workerFile: string;
  pyDir: string;
  boardDir: string;
}

let cached: SimPaths | undefined;

export function simPaths(): SimPaths {
  if (cached) return cached;
  const root = packageRoot();
  const workerFile = path.join(root, 'dist', 'main', 'board-worker.js');
  if (!fs.existsSync(workerFile)) throw new Error(`${workerFile} is missing: run \`npm run build\` first`);
  cached = { workerFile, pyDir: path.join(root, 'dist', 'main', 'py'), boardDir: path.join(root, 'board') };
  return cached;
}
