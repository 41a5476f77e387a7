// The acceptance scenario of the desktop console (issue 5, acceptance 1), on the web mode with
// real virtual boards: connect; the fleet shows 3 boards; a multi-line statement in the terminal;
// upload by drop, download back identical; logs filtered; OTA to one board with visible progress
// and the new version after the reset; the safe-mode board in the crash view with its traceback,
// fixed through the file tree and rebooted normally.
import { buildAppImage } from '../src-main/sim/firmware-image-builder.js';
import { expect, test } from './fixtures.js';
import {
  connectBroker,
  downloadFile,
  expectFleet,
  expectTerminalRows,
  finishOta,
  fleetRow,
  lastTerminalLine,
  logRowTexts,
  openBoard,
  paste,
  shot,
  startOta,
  terminalLines,
  typeLine,
  uploadByDrop,
  waitForPrompt,
} from './steps.js';

const BOARDS = ['sim/sim-01', 'sim/sim-02', 'sim/sim-03'];
const FIXED_APP = '# Fixed by the e2e test: starts without failing.\n__version__ = "0.0.2"\n\n\ndef start(mqtt, cfg):\n    pass\n';

test('operator scenario: fleet, terminal, files, logs, OTA, crash recovery', async ({ app: page, server }, testInfo) => {
  await test.step('connect and see the 3 boards', async () => {
    await connectBroker(page, server);
    await expectFleet(page, BOARDS);
    await shot(page, testInfo, '1-fleet');
  });

  await test.step('run a multi-line statement in the terminal', async () => {
    await openBoard(page, 'sim/sim-01', 'terminal');
    await typeLine(page, 'x = 6 * 7');
    // A pasted block, closing empty line included, goes to the board as one input.
    await paste(page, "for i in range(3):\n    print('sq', i * i, x)\n\n");
    await expectTerminalRows(page, ['sq 0 42', 'sq 1 42', 'sq 4 42'], 60_000);
    await waitForPrompt(page);
    await page.keyboard.press('ArrowUp'); // the history brings back the last typed line
    await expect.poll(async () => (await terminalLines(page)).filter((l) => l.startsWith('>>>')).at(-1)).toBe('>>> x = 6 * 7');
    await page.keyboard.press('Control+C');
    await waitForPrompt(page);
    await page.keyboard.type('board.modu');
    await page.keyboard.press('Tab'); // completed by the board
    await expect.poll(() => lastTerminalLine(page), { timeout: 30_000 }).toBe('>>> board.modules');
    await page.keyboard.press('Control+C');
    await waitForPrompt(page);
    await shot(page, testInfo, '2-terminal');
  });

  const payload = Buffer.concat([Buffer.from('mqboard e2e upload\n'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 73 + 11) % 256))]);
  await test.step('upload a file by drop, see it in the tree, download it back identical', async () => {
    await openBoard(page, 'sim/sim-01', 'files');
    await uploadByDrop(page, '/', 'e2e-data.bin', payload);
    // A small file is over quickly: its transfer row ends with a full progress bar.
    const transfers = page.locator('[data-testid=transfer][data-path="/e2e-data.bin"]');
    await expect(transfers.last().getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    const back = await downloadFile(page, '/e2e-data.bin');
    expect(back.equals(payload)).toBe(true);
    await expect(transfers.last().getByRole('progressbar', { name: 'download /e2e-data.bin' })).toHaveAttribute('aria-valuenow', '100');
    await shot(page, testInfo, '3-files');
  });

  await test.step('view the logs and filter them', async () => {
    // Watch the board's logs (kept while other views are shown), then make it log from the REPL.
    await page.getByTestId('nav-fleet').click();
    await fleetRow(page, 'sim/sim-01').click();
    await page.getByTestId('bulk-logs').click();
    await expect(page.getByTestId('watched-count')).toHaveText('Watching the logs of 1 board');
    await openBoard(page, 'sim/sim-01', 'terminal');
    await typeLine(page, "import mqb_log; L = mqb_log.getLogger('e2e'); L.warning('e2e-warn-%d', 42); L.info('e2e-info-%d', 7)");
    await openBoard(page, 'sim/sim-01', 'logs');
    const filter = page.getByTestId('log-filter');
    await filter.fill('e2e-');
    await expect.poll(() => logRowTexts(page), { timeout: 60_000 }).toEqual([expect.stringMatching(/^W .*e2e: e2e-warn-42$/), expect.stringMatching(/^I .*e2e: e2e-info-7$/)]);
    await page.getByTestId('log-level-W').click();
    await expect.poll(() => logRowTexts(page)).toEqual([expect.stringMatching(/e2e-info-7$/)]);
    await shot(page, testInfo, '4-logs');
    await page.getByTestId('log-level-W').click();
    // The boot happened before the console connected: its lines come from the board's own log.
    await filter.fill('MQBoard sim/sim-01');
    await expect.poll(() => logRowTexts(page), { timeout: 30_000 }).toContainEqual(expect.stringMatching(/MQBoard sim\/sim-01, normal mode, boot \d+$/));
    await filter.fill('');
  });

  const version = 'v9.9.9-e2e';
  await test.step('OTA a test image to one board and see the new version after the reset', async () => {
    const image = buildAppImage({ version, projectName: 'micropython', totalSize: 160 * 1024 });
    await startOta(page, 'sim/sim-02', image, version);
    const target = page.locator('[data-testid=ota-target][data-prefix="sim/sim-02"]');
    await expect(target.getByRole('progressbar')).toBeVisible();
    await shot(page, testInfo, '5-ota-progress');
    await finishOta(page, 'sim/sim-02', version);
    await shot(page, testInfo, '6-ota-done');
  });

  await test.step('the safe-mode board shows in the crash view and recovers once its app is fixed', async () => {
    await page.getByTestId('nav-crashes').click();
    const item = page.locator('[data-testid=crash-item][data-prefix="sim/sim-03"]');
    // sim-03 reaches safe mode after two failed boots (about a minute after the demo started).
    await expect(item.getByText('SAFE')).toBeVisible({ timeout: 240_000 });
    await item.click();
    const details = page.getByTestId('crash-details');
    await expect(details.getByTestId('crash-trace').first()).toContainText('RuntimeError: faulty demo app failed to start', { timeout: 60_000 });
    await expect(details.getByTestId('safe-reason')).toBeVisible();
    await shot(page, testInfo, '7-crashes');

    await details.getByTestId('crash-open-files').click();
    await expect(page.getByTestId('board-panel')).toHaveAttribute('data-prefix', 'sim/sim-03');
    await expect(page.locator('[data-testid=tree-item][data-path="/src"]')).toBeVisible({ timeout: 60_000 });
    await uploadByDrop(page, '/src', 'faulty.py', Buffer.from(FIXED_APP));

    await page.getByTestId('nav-crashes').click();
    await item.click();
    await page.getByTestId('crash-details').getByTestId('reboot-normal').click();
    await page.getByTestId('confirm-ok').click();
    await expect(page.getByTestId('crash-action-done')).toContainText('Rebooting normally');
    await page.getByTestId('nav-fleet').click();
    const row = fleetRow(page, 'sim/sim-03');
    await expect(row.getByTestId('cell-safe')).toHaveText('', { timeout: 240_000 });
    await expect(row.getByTestId('cell-status')).toHaveText('online', { timeout: 120_000 });
    await shot(page, testInfo, '8-recovered');
    // The fixed app really runs: the board's launcher lists it with the uploaded version.
    await openBoard(page, 'sim/sim-03', 'terminal');
    await typeLine(page, "board.modules['faulty']");
    await expectTerminalRows(page, [">>> board.modules['faulty']", "'0.0.2'"], 60_000);
  });
});
