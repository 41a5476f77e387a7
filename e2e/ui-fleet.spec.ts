/// <reference lib="dom" />
// The fleet dashboard on the fake console: 1,000 boards, virtualized; sort, filter, search;
// multi-selection; OTA by dropping an image on the selection; watched logs; shortcuts and theme.
import { buildAppImage } from '../src-main/sim/firmware-image-builder.js';
import { expect, test } from './fixtures.js';
import { dropFiles, fleetRow, logRowTexts, openBoard, shot } from './steps.js';

test.use({ fakeQuery: 'boards=1000&connected=1&churn=20' });

test('renders only the rows in view of 1,000 boards and scrolls to the last one', async ({ app: page }) => {
  await expect(page.getByTestId('fleet-count')).toHaveText('1000 boards');
  const rendered = await page.getByTestId('fleet-row').count();
  expect(rendered).toBeGreaterThan(10);
  expect(rendered).toBeLessThan(100);
  await page.getByTestId('fleet-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(fleetRow(page, 'fleet/b1000')).toBeVisible();
  await expect(fleetRow(page, 'fleet/b0001')).toHaveCount(0);
});

test('sorts by a column, filters by state and searches', async ({ app: page }, testInfo) => {
  await page.getByTestId('sort-crashes').click();
  await page.getByTestId('sort-crashes').click();
  await expect(page.getByTestId('sort-crashes')).toHaveAttribute('aria-sort', 'descending');
  await expect(page.getByTestId('cell-crashes').first()).not.toHaveText('0');
  await page.getByTestId('fleet-filter-offline').click();
  await expect(page.getByTestId('fleet-count')).toHaveText(/^\d+ of 1000 boards$/);
  for (const s of await page.getByTestId('cell-status').allTextContents()) expect(s).toBe('offline');
  await page.getByTestId('fleet-filter-safe').click();
  for (const s of await page.getByTestId('cell-safe').allTextContents()) expect(s).toBe('SAFE');
  await page.getByTestId('fleet-filter-all').click();
  await page.getByTestId('fleet-search').fill('b0042');
  await expect(page.getByTestId('fleet-row')).toHaveCount(1);
  await expect(page.getByTestId('cell-prefix')).toHaveText('fleet/b0042');
  // A board on the original firmware (no status) says so where the version would be.
  await expect(page.getByTestId('cell-fw')).toHaveText('original firmware');
  await shot(page, testInfo, 'fleet-search');
  // Board tags: a search term tag:X keeps the boards with that tag, each row shows its tags.
  await page.getByTestId('fleet-search').fill('tag:kitchen');
  await expect(page.getByTestId('fleet-count')).toHaveText('100 of 1000 boards');
  await expect(page.getByTestId('fleet-row').first().getByTestId('tag-chip').first()).toHaveText('kitchen');
  await page.getByTestId('fleet-search').fill('tag:kitchen tag:battery');
  await expect(page.getByTestId('fleet-count')).toHaveText('9 of 1000 boards');
});

test('selects with click, Shift, Ctrl, Ctrl+A and the keyboard', async ({ app: page }) => {
  const rows = page.getByTestId('fleet-row');
  await rows.nth(0).click();
  await rows.nth(3).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('fleet-count')).toHaveText('1000 boards, 4 selected');
  await rows.nth(1).click({ modifiers: ['ControlOrMeta'] });
  await expect(page.getByTestId('fleet-count')).toHaveText('1000 boards, 3 selected');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'false');
  await page.getByTestId('fleet-list').press('ControlOrMeta+a');
  await expect(page.getByTestId('fleet-count')).toHaveText('1000 boards, 1000 selected');
  await page.getByTestId('fleet-list').press('Escape');
  await expect(page.getByTestId('fleet-count')).toHaveText('1000 boards');
  // Keyboard: arrows select, Shift extends, Ctrl moves the cursor and Space toggles, Enter opens.
  await rows.nth(0).click();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('fleet-count')).toHaveText('1000 boards, 1 selected');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  await expect(page.getByTestId('fleet-count')).toHaveText('1000 boards, 3 selected');
  await page.keyboard.press('ControlOrMeta+ArrowDown');
  await page.keyboard.press('Space');
  await expect(page.getByTestId('fleet-count')).toHaveText('1000 boards, 4 selected');
  await page.keyboard.press('ControlOrMeta+ArrowUp');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('board-panel')).toHaveAttribute('data-prefix', 'fleet/b0004');
  await page.keyboard.press('Alt+1'); // (Escape belongs to the terminal, which has the focus)
  await expect(page.getByTestId('fleet-view')).toBeVisible();
});

test('updates the selected boards from an image dropped on them, then confirms one', async ({ app: page }, testInfo) => {
  const rows = page.getByTestId('fleet-row');
  await rows.nth(0).click();
  await rows.nth(2).click({ modifiers: ['Shift'] });
  const bad = new Uint8Array(4096).fill(0x42);
  await dropFiles(rows.nth(1), [{ name: 'notes.bin', data: bad }]);
  await expect(page.getByTestId('ota-image-error')).toContainText('not a usable firmware image');
  await expect(page.getByTestId('ota-start')).toBeDisabled();
  await page.getByTestId('ota-stage').getByRole('button', { name: 'Cancel' }).click();

  const image = buildAppImage({ version: 'v2.0.0-ui', projectName: 'micropython', totalSize: 300 * 1024 });
  await dropFiles(rows.nth(1), [{ name: 'fw.bin', data: image }]);
  const stage = page.getByTestId('ota-stage');
  await expect(stage.getByTestId('ota-image-version')).toHaveText('v2.0.0-ui');
  await expect(stage).toContainText('To 3 boards: fleet/b0001, fleet/b0002, fleet/b0003');
  await stage.getByTestId('ota-start').click();
  await page.getByTestId('nav-updates').click();
  const targets = page.getByTestId('ota-target');
  await expect(targets).toHaveCount(3);
  await expect(targets.first().getByRole('progressbar')).toBeVisible();
  await shot(page, testInfo, 'ota-fleet');
  for (let i = 0; i < 3; i++) await expect(targets.nth(i).getByTestId('ota-verify-state')).toHaveText('Running v2.0.0-ui, pending verification', { timeout: 20_000 });
  await targets.nth(0).getByTestId('ota-confirm').click();
  await expect(targets.nth(0).getByTestId('ota-verify-state')).toHaveText('Running v2.0.0-ui, confirmed');
  await targets.nth(1).getByTestId('ota-rollback').click();
  await expect(targets.nth(1).getByTestId('ota-verify-state')).toHaveText(/Rolled back to 1\.2\.0/);
});

test('cancels an update in progress', async ({ app: page }) => {
  await page.getByTestId('fleet-row').nth(0).click();
  await dropFiles(page.getByTestId('fleet-row').nth(0), [{ name: 'big.bin', data: buildAppImage({ version: 'v3', totalSize: 1_900_000 }) }]);
  await page.getByTestId('ota-stage').getByTestId('ota-start').click();
  await page.getByTestId('nav-updates').click();
  await expect(page.getByTestId('ota-target')).toHaveAttribute('data-phase', 'sending');
  await page.getByTestId('ota-cancel').click();
  await expect(page.getByTestId('ota-target')).toHaveAttribute('data-phase', 'cancelled');
  await expect(page.getByTestId('ota-dismiss')).toBeVisible();
});

test('watches the logs of several boards, filtered by level and text, and pauses', async ({ app: page }, testInfo) => {
  await page.getByTestId('fleet-search').fill('b000');
  await page.getByTestId('fleet-list').press('ControlOrMeta+a');
  await page.getByTestId('bulk-logs').click();
  await expect(page.getByTestId('watched-count')).toHaveText(/Watching the logs of [5-9] boards/);
  await expect.poll(async () => (await logRowTexts(page)).some((t) => /^\[fleet\/b000\d\] /.test(t))).toBe(true);
  await page.getByTestId('log-level-I').click();
  await page.getByTestId('log-level-D').click();
  await page.getByTestId('log-level-C').click();
  await page.getByTestId('log-level-W').click();
  await expect.poll(async () => (await page.locator('[data-testid=log-row][data-level]').evaluateAll((r) => r.map((x) => x.getAttribute('data-level')))).every((l) => l === 'E')).toBe(true);
  await page.getByTestId('log-filter').fill('EHOSTUNREACH');
  await expect.poll(async () => (await logRowTexts(page)).length).toBeGreaterThan(0);
  // A filtered traceback keeps all its lines.
  await expect(page.getByTestId('log-row').filter({ hasText: 'OSError' }).first()).toBeVisible();
  await shot(page, testInfo, 'logs-merged');
  await page.getByTestId('log-follow').click();
  await expect(page.getByTestId('log-follow')).toHaveText('Paused');
  // The subscriptions survive other views.
  await page.getByTestId('nav-fleet').click();
  await page.getByTestId('nav-logs').click();
  await expect(page.getByTestId('watched-count')).toHaveText(/Watching the logs of [5-9] boards/);
  await page.getByTestId('watch-stop').click();
  await expect(page.getByTestId('watched-count')).toHaveText('Not watching any board');
});

test('the logs pane of a board shows what it logged before the pane was opened, once', async ({ app: page }) => {
  await openBoard(page, 'fleet/b0007', 'logs');
  // The boot log was logged when the console connected, long before the pane subscribed.
  await expect(page.getByTestId('log-row').filter({ hasText: 'mqboard booting (boot 3)' })).toHaveCount(1);
  await expect(page.getByTestId('log-count')).not.toHaveText(/^0 lines/);
  // Opened again: the history once more, not twice.
  await page.getByTestId('tab-crashes').click();
  await page.getByTestId('tab-logs').click();
  await expect(page.getByTestId('log-row').filter({ hasText: 'mqboard booting (boot 3)' })).toHaveCount(1);
  await expect(page.getByTestId('log-row').filter({ hasText: 'connected to the broker' })).toHaveCount(1);
});

test('keyboard shortcuts and the theme toggle', async ({ app: page }) => {
  await page.locator('body').press('/');
  await expect(page.getByTestId('fleet-search')).toBeFocused();
  await page.getByTestId('fleet-search').press('Escape');
  await page.locator('body').press('Alt+2');
  await expect(page.getByTestId('crash-view')).toBeVisible();
  await page.locator('body').press('?');
  await expect(page.getByTestId('shortcuts')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('shortcuts')).toBeHidden();
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await bg();
  await page.getByTestId('theme-toggle').click(); // system → light
  await page.getByTestId('theme-toggle').click(); // light → dark
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  expect(await bg()).not.toBe(light);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark'); // remembered
});
