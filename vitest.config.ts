import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration tests that start
// real brokers (aedes, mosquitto) and real MicroPython workers.
export default defineConfig({
  test: {
    globalSetup: ['./scripts/vitest-global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src-main/**/*.test.ts', 'scripts/**/*.test.ts', 'src-renderer/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['src-main/**/*.int.test.ts', 'board/**/*.int.test.ts'],
          setupFiles: ['./scripts/vitest-integration-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Workers are heavy (one MicroPython interpreter per board) and the machine has 2 cores.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
