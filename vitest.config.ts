import { defineConfig } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

// Two projects: fast unit tests beside the code, and integration tests that start
// real brokers (aedes, mosquitto) and real MicroPython workers.
// Integration files that wait far more than they compute (boards asleep, a clock run up to its wrap).
const LONG_IDLE = ['src-main/cli/battery-boards.int.test.ts', 'src-main/cli/rollout-sleepy.int.test.ts', 'board/tests/firmware-uptime.int.test.ts'];

// Integration files that keep both cores busy (dozens of boards, floods of messages): they run
// last, after the idle pool's battery boards are done, whose wakes must not starve (a wake late by
// more than its 5 s margin shows the board overdue).
const CPU_HEAVY = [
  'src-main/sim/fleet.int.test.ts',
  'src-main/cli/rollout.int.test.ts',
  'board/tests/firmware-reconnect.int.test.ts',
  'board/tests/v1-client.int.test.ts',
  'board/tests/ota-resume.int.test.ts',
  'board/tests/firmware-memory.int.test.ts',
  'src-main/core/transfer-engines.int.test.ts',
  'src-main/cli/signed-updates.int.test.ts',
  'src-main/testing/board-swarm.int.test.ts',
];

class HeavyLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const heavy = (f: TestSpecification) => CPU_HEAVY.some((h) => f.moduleId.endsWith(h));
    return [...sorted.filter((f) => !heavy(f)), ...sorted.filter(heavy)];
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: HeavyLastSequencer },
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
          exclude: [...LONG_IDLE, 'node_modules/**'],
          setupFiles: ['./scripts/vitest-integration-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Workers are heavy (one MicroPython interpreter per board) and the machine has 2 cores.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        extends: true,
        test: {
          // Long tests that mostly wait (battery boards asleep for minutes) run beside the serial
          // integration files instead of after them: a second pool ('threads' is another pool,
          // so vitest runs it concurrently with the 'forks' one), one file at a time.
          name: 'integration-idle',
          include: LONG_IDLE,
          setupFiles: ['./scripts/vitest-integration-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'threads',
          poolOptions: { threads: { singleThread: true } },
        },
      },
    ],
  },
});
