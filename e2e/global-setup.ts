// Builds what the e2e tests run: the Node side (web mode, simulator worker), the renderer, and
// the renderer on the fake console. E2E_NO_BUILD=1 uses dist/ as it is.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export default function globalSetup(): void {
  if (process.env.E2E_NO_BUILD) return;
  for (const script of ['scripts/build-main.mjs', 'scripts/build-renderer.mjs', 'bench/renderer-fake-build.mjs']) {
    execFileSync(process.execPath, [script], { cwd: ROOT, stdio: 'inherit' });
  }
}
