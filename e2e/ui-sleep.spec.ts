/// <reference lib="dom" />
// Battery boards on the fake console: a board that sleeps 12 s and wakes for 3 s shows "asleep"
// with its next wake (never "offline"), has its own filter and count; a reboot issued while it
// sleeps is "queued until wake" with a Cancel, and its result arrives when the board wakes;
// "Stay awake" keeps it up past its window.
import { expect, test } from './fixtures.js';
import { fleetRow } from './steps.js';

test.use({ fakeQuery: 'connected=1&sleepy=1&sleep=12&awake=3' });

test('shows the battery board asleep with its next wake, with a filter and a count', async ({ app: page }) => {
  const row = fleetRow(page, 'sim/bat-01');
  await expect(row.getByTestId('cell-status')).toHaveText(/^asleep · wakes in \d+s$/);
  await expect(page.getByTestId('fleet-count-asleep')).toHaveText(/1/);
  await page.getByTestId('fleet-filter-asleep').click();
  await expect(page.getByTestId('fleet-row')).toHaveCount(1);
  await page.getByTestId('fleet-filter-offline').click();
  await expect(page.getByTestId('fleet-row')).toHaveCount(0);
  await page.getByTestId('fleet-filter-all').click();
  await expect(row.getByTestId('cell-status')).toHaveText('online', { timeout: 20_000 });
  await expect(row.getByTestId('cell-status')).toHaveText(/^asleep · wakes in/, { timeout: 10_000 });
});

test('queues a reboot until the wake, cancels one, and shows the result of the other at the wake', async ({ app: page }) => {
  await fleetRow(page, 'sim/bat-01').getByTestId('open-board').click();
  const controls = page.getByTestId('sleep-controls');
  await expect(controls.getByTestId('duty-cycle')).toHaveText('sleeps 12s, awake 3s');
  await expect(controls.getByTestId('board-state')).toHaveAttribute('data-state', 'asleep');
  await page.getByTestId('tab-crashes').click();
  const reboot = async () => {
    await page.getByTestId('reboot-normal').click();
    await page.getByTestId('confirm-ok').click();
  };
  await reboot();
  await expect(page.getByTestId('crash-action-done')).toHaveText('Reboot queued until wake');
  const queued = controls.getByTestId('queued-command');
  await expect(queued).toHaveCount(1);
  await expect(queued).toContainText('reset (normal)');
  await expect(queued).toContainText('queued until wake');
  await queued.getByTestId('queued-cancel').click();
  await expect(queued).toHaveCount(0);
  await expect(controls.getByTestId('queued-last')).toHaveText('reset (normal): cancelled');

  await reboot();
  await controls.getByTestId('stay-awake-minutes').selectOption('5');
  await controls.getByTestId('stay-awake').click();
  await expect(controls.getByTestId('sleep-action')).toHaveText('Stay awake 5 min queued until wake');
  await expect(queued).toHaveCount(2);
  // The wake: both run, the queue empties, the outcome shows; the board stays up past its 3 s window.
  await expect(queued).toHaveCount(0, { timeout: 20_000 });
  await expect(controls.getByTestId('board-state')).toHaveAttribute('data-state', 'online');
  await expect(controls.getByTestId('queued-last')).toHaveText('stay awake 5 min: done at the wake');
  await page.waitForTimeout(4_000);
  await expect(controls.getByTestId('board-state')).toHaveAttribute('data-state', 'online');
});
