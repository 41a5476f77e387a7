/// <reference lib="dom" />
// File transfers and app modules on the fake console (uploads at 64 KB/s, so that a 2 MB file
// takes long enough to watch): progress with bytes, rate and time left; cancel keeps the board's
// old file; a file above the limit is refused with the limit in the message; the apps of a board
// in its header and a failed one in the crash view.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { dropFiles, openBoard, shot, treeItem } from './steps.js';

test.use({ fakeQuery: 'boards=3&connected=1&xfer=65536' });

const transferRow = (page: Page, path: string) => page.locator(`[data-testid=transfer][data-path="${path}"]`).last();

test('files: an upload shows its progress and can be cancelled, leaving the old file', async ({ app: page }, testInfo) => {
  await openBoard(page, 'sim/sim-01', 'files');
  await expect(treeItem(page, '/main.py')).toBeVisible();
  await dropFiles(page.getByTestId('file-tree'), [{ name: 'main.py', data: new Uint8Array(2 * 1024 * 1024).fill(65) }]);

  const row = transferRow(page, '/main.py');
  await expect(row).toHaveAttribute('data-state', 'running');
  await expect(row).toHaveAttribute('data-phase', 'transferring');
  const bar = row.getByRole('progressbar');
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  await expect(row.getByTestId('transfer-bytes')).toContainText('/ 2.0 MB');
  await expect(row.getByTestId('transfer-rate')).toContainText(/64 KB\/s · \d+s left/);
  await shot(page, testInfo, 'transfer-progress');

  await row.getByTestId('transfer-cancel').click();
  await expect(row).toHaveAttribute('data-state', 'cancelled');
  await expect(row.getByTestId('transfer-error')).toHaveText("Cancelled: the board's file was not changed");
  await treeItem(page, '/main.py').dblclick();
  await expect(page.getByTestId('editor-text')).toHaveValue(/^import mqb_launch\n/);

  // A small file goes through at once and ends full.
  await dropFiles(page.getByTestId('file-tree'), [{ name: 'small.txt', data: new TextEncoder().encode('hello\n') }]);
  const small = transferRow(page, '/small.txt');
  await expect(small).toHaveAttribute('data-state', 'done');
  await expect(small.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await expect(treeItem(page, '/small.txt')).toBeVisible();
});

test('files: a file above the limit is refused with the limit, a download shows where it failed', async ({ app: page }) => {
  await openBoard(page, 'sim/sim-01', 'files');
  await page.getByTestId('files-upload-input').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(17 * 1024 * 1024) }, { timeout: 60_000 }); // 17 MB into the page: slow on a busy machine
  const row = transferRow(page, '/huge.bin');
  await expect(row).toHaveAttribute('data-state', 'failed');
  await expect(row.getByTestId('transfer-error')).toHaveText('huge.bin is 17.0 MB: at most 16.0 MB can be transferred at once');

  // The file goes away on the board between the listing and the download.
  await treeItem(page, '/boot.py').click();
  await page.evaluate(() => (globalThis as unknown as { fakeApi: { profiles: Map<string, { fs: Map<string, { rm(p: string): void }> }> } }).fakeApi.profiles.get('demo')!.fs.get('sim/sim-01')!.rm('/boot.py'));
  await page.getByTestId('files-download').click();
  const down = transferRow(page, '/boot.py');
  await expect(down).toHaveAttribute('data-state', 'failed');
  await expect(down.getByTestId('transfer-error')).toHaveText('ENOENT: /boot.py');
});

test('apps: the board header lists its apps, the crash view names the one that failed', async ({ app: page }) => {
  await openBoard(page, 'sim/sim-01');
  await expect(page.locator('[data-testid=board-app][data-app="blinky"]')).toHaveText('blinky 1.0.0');
  await page.evaluate(() =>
    (globalThis as unknown as { fakeApi: { updateBoard(p: string, b: string, v: object): void } }).fakeApi.updateBoard('demo', 'sim/sim-02', {
      crashes: 1,
      modules: { blinky: '1.0.0', faulty: "failed: RuntimeError('faulty demo app failed to start',)" },
    }),
  );
  await openBoard(page, 'sim/sim-02');
  await expect(page.locator('[data-testid=board-app][data-app="faulty"]')).toHaveAttribute('data-state', 'failed');
  await page.getByTestId('nav-crashes').click();
  await page.locator('[data-testid=crash-item][data-prefix="sim/sim-02"]').click();
  await expect(page.getByTestId('crash-details').getByTestId('failed-module')).toHaveText("faulty: RuntimeError('faulty demo app failed to start',)");
});
