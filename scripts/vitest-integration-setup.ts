// Runs in every integration test file: switch off its virtual boards and remove their
// temporary state directories (a board's partitions alone are megabytes).
import { afterAll } from 'vitest';
import { closeTestBoards, removeTempDirs } from '../src-main/sim/test-boards.js';

afterAll(async () => {
  await closeTestBoards();
  removeTempDirs();
});
