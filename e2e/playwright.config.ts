// End-to-end tests of the console UI in Debian's Chromium (Playwright cannot download browsers
// here). Projects:
// - ui-fake: UI behaviour on the in-memory fake console (fast, no broker);
// - demo-aedes: the acceptance scenario on the web mode with its embedded broker and demo fleet;
// - mosquitto: the same scenario on a real mosquitto with a virtual fleet.
// - rollouts: staged rollouts from the "Firmware updates" view on 3 virtual boards (mosquitto).
// `npx playwright test -c e2e/playwright.config.ts [--project ui-fake]`. Screenshots of each main
// view are attached to the results under test-results/ (not committed).
import { defineConfig } from '@playwright/test';
import type { Backend } from './backends.js';

const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  },
  viewport: { width: 1440, height: 900 },
};

export default defineConfig<{ backend: Backend }>({
  testDir: '.',
  outputDir: '../test-results/e2e',
  globalSetup: './global-setup.ts',
  // One browser at a time: the machine is small and the real-board projects run MicroPython.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list'], ['html', { outputFolder: '../test-results/e2e-report', open: 'never' }]],
  use: { ...chromium, trace: 'retain-on-failure', screenshot: 'only-on-failure', actionTimeout: 15_000 },
  expect: { timeout: 15_000 },
  projects: [
    { name: 'ui-fake', testMatch: /ui-.*\.spec\.ts/, use: { backend: 'fake' }, timeout: 60_000 },
    { name: 'demo-aedes', testMatch: /scenario\.spec\.ts/, use: { backend: 'demo' }, timeout: 600_000 },
    { name: 'mosquitto', testMatch: /scenario\.spec\.ts/, use: { backend: 'mosquitto' }, timeout: 600_000 },
    { name: 'rollouts', testMatch: /rollouts\.spec\.ts/, use: { backend: 'rollout' }, timeout: 180_000 },
  ],
});
