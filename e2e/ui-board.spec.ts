/// <reference lib="dom" />
// A board's panel on the fake console: terminal (history, completion, interrupt, transcript kept
// across tabs), files (folder, rename, delete with confirmation, editor), crash view recovery.
import { expect, test } from './fixtures.js';
import { expectTerminalRows, lastTerminalLine, openBoard, shot, terminalLines, treeItem, typeLine, waitForPrompt } from './steps.js';

test.use({ fakeQuery: 'boards=3&connected=1' });

test('terminal: completion, history, interrupt, type-ahead, and the transcript survives a tab switch', async ({ app: page }) => {
  await openBoard(page, 'sim/sim-01', 'terminal');
  await waitForPrompt(page);
  await page.getByTestId('terminal').click();
  await page.keyboard.type('mach');
  await page.keyboard.press('Tab');
  await expect.poll(() => lastTerminalLine(page)).toBe('>>> machine');
  await page.keyboard.type('.re');
  await page.keyboard.press('Tab');
  await expect.poll(() => lastTerminalLine(page)).toContain('>>> machine.reset');
  await page.keyboard.press('Control+C');
  await typeLine(page, '6 * 7');
  await expectTerminalRows(page, ['>>> 6 * 7', '42']);
  await typeLine(page, 'time.sleep(30)');
  await expect(page.getByTestId('tty-status')).toHaveText('Running…');
  await page.keyboard.type('print(99)'); // typed ahead, then dropped by Ctrl-C
  await page.keyboard.press('Control+C');
  await expect.poll(async () => (await terminalLines(page)).some((l) => l.startsWith('KeyboardInterrupt'))).toBe(true);
  await waitForPrompt(page);
  await expect.poll(() => lastTerminalLine(page)).toBe('>>>');
  // Keys typed while a statement runs are kept and run once the prompt is back (type-ahead).
  await typeLine(page, 'time.sleep(2)');
  await expect(page.getByTestId('tty-status')).toHaveText('Running…');
  await page.keyboard.type('print(6 * 8)');
  await page.keyboard.press('Enter');
  await expectTerminalRows(page, ['>>> print(6 * 8)', '48']);
  await waitForPrompt(page);
  await page.getByTestId('tab-files').click();
  await expect(page.locator('.xterm')).toHaveCount(0); // disposed with its tab
  await page.getByTestId('tab-terminal').click();
  await expect(page.locator('.xterm')).toHaveCount(1);
  await expectTerminalRows(page, ['>>> 6 * 7', '42']);
  await page.getByTestId('terminal').click();
  // History, newest first: print(6 * 8) (typed ahead), time.sleep(2), time.sleep(30), 6 * 7.
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowUp');
  await expect.poll(() => lastTerminalLine(page)).toBe('>>> 6 * 7');
});

test('files: new folder, rename, delete only after confirming, edit and save', async ({ app: page }, testInfo) => {
  await openBoard(page, 'sim/sim-01', 'files');
  await page.getByTestId('files-mkdir').click();
  await page.getByTestId('prompt-input').fill('bad/name');
  await expect(page.getByTestId('prompt-ok')).toBeDisabled();
  await page.getByTestId('prompt-input').fill('data');
  await page.getByTestId('prompt-ok').click();
  await expect(treeItem(page, '/data')).toBeVisible();

  await treeItem(page, '/boot.py').click();
  await page.getByTestId('files-rename').click();
  await page.getByTestId('prompt-input').fill('boot_old.py');
  await page.getByTestId('prompt-ok').click();
  await expect(treeItem(page, '/boot_old.py')).toBeVisible();
  await expect(treeItem(page, '/boot.py')).toHaveCount(0);

  await page.getByTestId('files-delete').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('/boot_old.py');
  await page.getByTestId('confirm-cancel').click();
  await expect(treeItem(page, '/boot_old.py')).toBeVisible();
  await page.getByTestId('file-tree').press('Delete');
  await page.getByTestId('confirm-ok').click();
  await expect(treeItem(page, '/boot_old.py')).toHaveCount(0);

  await treeItem(page, '/main.py').dblclick();
  const editor = page.getByTestId('editor-text');
  await expect(editor).toHaveValue(/mqb_launch.main\(\)/);
  await editor.fill('print("edited")\n');
  await editor.press('ControlOrMeta+s');
  await expect(page.getByTestId('editor-saved')).toBeVisible();
  await shot(page, testInfo, 'files-editor');
  await page.getByTestId('editor-close').click();
  await treeItem(page, '/main.py').dblclick();
  await expect(page.getByTestId('editor-text')).toHaveValue('print("edited")\n');
});

test('files: errors show where they happened', async ({ app: page }) => {
  await openBoard(page, 'sim/sim-01', 'files');
  await treeItem(page, '/lib').click();
  await expect(treeItem(page, '/lib/mqb_cmd.py')).toBeVisible();
  await page.getByTestId('files-mkdir').click();
  await page.getByTestId('prompt-input').fill('mqb_cmd.py'); // a file of that name exists
  await page.getByTestId('prompt-ok').click();
  await expect(page.getByTestId('files-error')).toHaveText('EEXIST: /lib/mqb_cmd.py');
});

test('crash view: the safe-mode board recovers after its app is fixed and it reboots normally', async ({ app: page }) => {
  await page.getByTestId('nav-crashes').click();
  await expect(page.getByTestId('crash-item')).toHaveCount(1);
  await expect(page.getByTestId('crash-trace')).toContainText('RuntimeError: faulty demo app failed to start');
  // Rebooting without a fix: back in safe mode.
  await page.getByTestId('reboot-normal').click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('crash-action-done')).toHaveText('Rebooting normally…');
  await page.getByTestId('crash-open-files').click();
  await treeItem(page, '/src').click();
  await treeItem(page, '/src/faulty.py').dblclick();
  await page.getByTestId('editor-text').fill('def start(mqtt, cfg):\n    pass\n');
  await page.getByTestId('editor-save').click();
  await expect(page.getByTestId('editor-saved')).toBeVisible();
  await page.getByTestId('nav-crashes').click();
  await page.getByTestId('reboot-normal').click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('safe-reason')).toHaveCount(0, { timeout: 10_000 });
  await page.getByTestId('clear-crashlog').click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('crash-empty')).toBeVisible();
});

test('terminal: its colours follow the theme', async ({ app: page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openBoard(page, 'sim/sim-01', 'terminal');
  await waitForPrompt(page);
  // The pane's background (styles) and the text xterm draws (its theme) change together.
  const colours = () =>
    page.getByTestId('terminal').evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el.querySelector('.xterm-rows')!).color]);
  const LIGHT = ['rgb(251, 251, 252)', 'rgb(29, 35, 48)'];
  const DARK = ['rgb(17, 20, 24)', 'rgb(227, 231, 238)'];
  await expect.poll(colours).toEqual(LIGHT);
  await page.emulateMedia({ colorScheme: 'dark' }); // the system switches
  await expect.poll(colours).toEqual(DARK);
  await page.getByTestId('theme-toggle').click(); // system → light, chosen in the window
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect.poll(colours).toEqual(LIGHT);
});

test('the uptime advances between status messages, in the fleet table and the board panel', async ({ app: page }) => {
  // No churn on this fleet: the board sends no status meanwhile, so only the clock moves it.
  const cell = page.locator('[data-testid="fleet-row"][data-prefix="sim/sim-01"] [data-testid="uptime"]');
  const secondsOf = (t: string) => t.split(' ').reduce((sum, part) => sum + parseInt(part, 10) * ({ d: 86400, h: 3600, m: 60, s: 1 }[part.slice(-1)] ?? 0), 0);
  const first = secondsOf(await cell.innerText());
  await expect.poll(async () => secondsOf(await cell.innerText()), { timeout: 5_000 }).toBeGreaterThanOrEqual(first + 2);
  await openBoard(page, 'sim/sim-01', 'terminal');
  const panel = page.getByTestId('board-panel').getByTestId('uptime');
  const inPanel = secondsOf(await panel.innerText());
  await expect.poll(async () => secondsOf(await panel.innerText()), { timeout: 5_000 }).toBeGreaterThanOrEqual(inPanel + 2);
});
