// The e2e test API: a console server per worker (chosen by the project's `backend` option) and a
// page opened on it that fails the test on any uncaught page error.
import { test as base, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import { startBackend } from './backends.js';
import type { Backend, ConsoleServer } from './backends.js';

interface WorkerFixtures {
  backend: Backend;
  server: ConsoleServer;
}

interface TestFixtures {
  /** Extra query for the fake console's page (e.g. "boards=1000&connected=1"). */
  fakeQuery: string;
  app: Page;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  backend: ['fake', { option: true, scope: 'worker' }],
  server: [
    async ({ backend }, use) => {
      const server = await startBackend(backend);
      await use(server);
      await server.close();
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  fakeQuery: ['', { option: true }],
  app: async ({ page, server, fakeQuery }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const url = server.backend === 'fake' && fakeQuery ? `${server.url}?${fakeQuery}` : server.url;
    await page.goto(url);
    await expect(page.getByTestId('profiles')).toBeVisible();
    await use(page);
    expect(errors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };
