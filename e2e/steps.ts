/// <reference lib="dom" />
// Scenario steps shared by the e2e specs: each one does what an operator does in the UI and
// checks what they would see. They work on the web mode (real boards) and the fake console alike.
import type { Locator, Page, TestInfo } from '@playwright/test';
import { expect } from './fixtures.js';
import type { ConsoleServer } from './backends.js';

/** A screenshot of the window: a file in the test's output directory, attached to its report. */
export async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

export const profileCard = (page: Page, id?: string): Locator => (id ? page.locator(`[data-testid=profile][data-profile-id="${id}"]`) : page.getByTestId('profile'));
export const fleetRow = (page: Page, prefix: string): Locator => page.locator(`[data-testid=fleet-row][data-prefix="${prefix}"]`);
export const treeItem = (page: Page, path: string): Locator => page.locator(`[data-testid=tree-item][data-path="${path}"]`);

/** Adds the server's broker as a profile when it has one (mosquitto), then (re)connects. */
export async function connectBroker(page: Page, server: ConsoleServer): Promise<Locator> {
  let card: Locator;
  if (server.profile) {
    await page.getByTestId('profile-add').click();
    const form = page.getByTestId('profile-form');
    await form.getByTestId('pf-name').fill(server.profile.name);
    await form.getByTestId('pf-url').fill(server.profile.url);
    await form.getByTestId('pf-user').fill(server.profile.username);
    await form.getByTestId('pf-password').fill(server.profile.password);
    await form.getByTestId('pf-save').click();
    await expect(form).toBeHidden();
    card = page.locator('[data-testid=profile]', { hasText: server.profile.name });
  } else {
    card = profileCard(page, 'demo');
    // The demo connects at start: disconnect first so that connecting is what the test does.
    await expect(card).toHaveAttribute('data-state', /online|offline|error/, { timeout: 60_000 });
    if ((await card.getAttribute('data-state')) === 'online') {
      await card.getByTestId('profile-disconnect').click();
      await expect(card).toHaveAttribute('data-state', 'offline');
      await expect(page.getByTestId('fleet-empty')).toBeVisible();
    }
  }
  await card.getByTestId('profile-connect').click();
  await expect(card).toHaveAttribute('data-state', 'online', { timeout: 60_000 });
  return card;
}

export async function expectFleet(page: Page, prefixes: string[]): Promise<void> {
  await page.getByTestId('nav-fleet').click();
  await expect(page.getByTestId('fleet-row')).toHaveCount(prefixes.length, { timeout: 60_000 });
  await expect(page.getByTestId('cell-prefix')).toHaveText(prefixes);
  for (const p of prefixes) await expect(fleetRow(page, p).getByTestId('cell-status')).toHaveText('online', { timeout: 90_000 });
}

export async function openBoard(page: Page, prefix: string, tab?: 'terminal' | 'files' | 'logs' | 'ota' | 'crashes'): Promise<void> {
  const panel = page.getByTestId('board-panel');
  // Look without waiting: getAttribute on a panel not shown yet would wait the action timeout.
  const shown = (await panel.count()) ? await panel.getAttribute('data-prefix') : null;
  if (shown !== prefix) {
    await page.getByTestId('nav-fleet').click();
    await fleetRow(page, prefix).getByTestId('open-board').click();
  }
  await expect(page.getByTestId('board-panel')).toHaveAttribute('data-prefix', prefix);
  if (tab) await page.getByTestId(`tab-${tab}`).click();
}

/** The terminal's text, one entry per screen row. */
export async function terminalLines(page: Page): Promise<string[]> {
  const rows = await page.locator('[data-testid=terminal] .xterm-rows > div').allTextContents();
  return rows.map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
}

/** The last row of the terminal with something on it (the input line, usually). */
export async function lastTerminalLine(page: Page): Promise<string> {
  return (await terminalLines(page)).filter((l) => l.trim()).at(-1) ?? '';
}

export async function waitForPrompt(page: Page): Promise<void> {
  await expect(page.getByTestId('tty-status')).toHaveText('Ready', { timeout: 60_000 });
}

/** Types a line and presses Enter, like a user. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await waitForPrompt(page);
  await page.getByTestId('terminal').click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Pastes text into the terminal (a clipboard paste event, as Ctrl+V produces). */
export async function paste(page: Page, text: string): Promise<void> {
  await waitForPrompt(page);
  await page.getByTestId('terminal').click();
  await page.locator('[data-testid=terminal] .xterm-helper-textarea').evaluate((ta, t) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', t);
    ta.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, text);
}

export async function expectTerminalRows(page: Page, rows: string[], timeout = 30_000): Promise<void> {
  await expect
    .poll(
      async () => {
        const lines = await terminalLines(page);
        const at = lines.findIndex((_, i) => rows.every((r, k) => lines[i + k] === r));
        return at >= 0;
      },
      { timeout, message: `terminal rows ${JSON.stringify(rows)}` },
    )
    .toBe(true);
}

/** Drops local files (bytes) on an element, as dragging them from the desktop does. */
export async function dropFiles(target: Locator, files: { name: string; data: Uint8Array; type?: string }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, b64: Buffer.from(f.data).toString('base64'), type: f.type ?? 'application/octet-stream' }));
  const dt = await target.page().evaluateHandle((list) => {
    const t = new DataTransfer();
    for (const f of list) t.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    return t;
  }, payload);
  await target.dispatchEvent('dragenter', { dataTransfer: dt });
  await target.dispatchEvent('dragover', { dataTransfer: dt });
  await target.dispatchEvent('drop', { dataTransfer: dt });
}

/** Uploads by dropping on a folder of the tree ('/' = the tree itself) and waits for the file to show. */
export async function uploadByDrop(page: Page, dir: string, name: string, data: Uint8Array): Promise<void> {
  const target = dir === '/' ? page.getByTestId('file-tree') : treeItem(page, dir);
  await dropFiles(target, [{ name, data }]);
  const path = `${dir === '/' ? '' : dir}/${name}`;
  await expect(page.locator(`[data-testid=transfer][data-path="${path}"]`).last()).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  if (dir !== '/' && (await treeItem(page, dir).getAttribute('aria-expanded')) !== 'true') await treeItem(page, dir).click();
  await expect(treeItem(page, path)).toBeVisible();
}

/** Downloads a file of the board through the UI and returns its bytes. */
export async function downloadFile(page: Page, path: string): Promise<Buffer> {
  await treeItem(page, path).click();
  const wait = page.waitForEvent('download');
  await page.getByTestId('files-download').click();
  const dl = await wait;
  const stream = await dl.createReadStream();
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** The log rows on screen (the virtualized list renders those in view). */
export async function logRowTexts(page: Page): Promise<string[]> {
  return (await page.getByTestId('log-row').allTextContents()).map((t) => t.replace(/\u00a0/g, ' '));
}

/** Drops a firmware image on the board's Firmware tab, checks what inspect says, starts it. */
export async function startOta(page: Page, prefix: string, image: Uint8Array, version: string): Promise<void> {
  await openBoard(page, prefix, 'ota');
  await dropFiles(page.getByTestId('ota-dropzone'), [{ name: `fw-${version}.bin`, data: image }]);
  const stage = page.getByTestId('ota-stage');
  await expect(stage.getByTestId('ota-image-version')).toHaveText(version, { timeout: 60_000 });
  await expect(stage.getByTestId('ota-reset')).toBeChecked();
  await stage.getByTestId('ota-start').click();
  await expect(stage).toBeHidden();
}

/** Follows the job to the end, through the reset, then confirms the new image. */
export async function finishOta(page: Page, prefix: string, version: string): Promise<void> {
  const target = page.locator(`[data-testid=ota-target][data-prefix="${prefix}"]`).first();
  await expect(target).toHaveAttribute('data-phase', 'done', { timeout: 300_000 });
  const state = target.getByTestId('ota-verify-state');
  await expect(state).toContainText(new RegExp(`Running ${version.replace(/\./g, '\\.')}, (pending verification|confirmed)`), { timeout: 180_000 });
  const confirm = target.getByTestId('ota-confirm');
  // The board may confirm the image by itself once healthy (watchdog "allok"); otherwise we do.
  if (await confirm.isVisible()) await confirm.click().catch(() => undefined);
  await expect(state).toContainText(`Running ${version}, confirmed`, { timeout: 60_000 });
  await expect(page.getByTestId('board-fw')).toContainText(version);
  await expect(page.getByTestId('board-pending-verify')).toHaveCount(0);
}

export interface RolloutForm {
  /** A firmware image (dropped on the form), or the path of an app folder with its sync spec (picked). */
  image?: { name: string; data: Uint8Array };
  folder?: { path: string; name: string };
  patterns: string;
  waves?: string;
  /** Health gate, seconds. */
  onlineWithinS?: number;
  confirmWithinS?: number;
  stableS?: number;
}

/** Starts a rollout from the "Firmware updates" view: the image dropped on the form (or the app folder picked), the fields filled; returns the rollout's id. */
export async function startRollout(page: Page, f: RolloutForm): Promise<string> {
  await page.getByTestId('nav-updates').click();
  const form = page.getByTestId('rollout-form');
  if (f.image) {
    await form.getByTestId('rollout-what-firmware').click();
    await dropFiles(form.getByTestId('rollout-dropzone'), [f.image]);
    await expect(form.getByTestId('rollout-image-name')).toHaveText(f.image.name);
  } else {
    await form.getByTestId('rollout-what-files').click();
    await form.getByTestId('rollout-folder-input').setInputFiles(f.folder!.path);
    await expect(form.getByTestId('rollout-folder-summary')).toContainText(f.folder!.name);
  }
  await form.getByTestId('rollout-patterns').fill(f.patterns);
  if (f.waves) await form.getByTestId('rollout-waves').fill(f.waves);
  if (f.onlineWithinS !== undefined) await form.getByTestId('rollout-onlineWithinS').fill(String(f.onlineWithinS));
  if (f.confirmWithinS !== undefined) await form.getByTestId('rollout-confirmWithinS').fill(String(f.confirmWithinS));
  if (f.stableS !== undefined) await form.getByTestId('rollout-stableS').fill(String(f.stableS));
  const before = await page.getByTestId('rollout-item').count();
  await form.getByTestId('rollout-start').click();
  await expect(form.getByTestId('rollout-form-error')).toBeHidden();
  await expect(page.getByTestId('rollout-item')).toHaveCount(before + 1);
  const detail = page.getByTestId('rollout-detail');
  await expect(detail).toBeVisible();
  return (await detail.getAttribute('data-id'))!;
}

/** Waits for the shown rollout to reach a status (running, paused, done, ...). */
export async function expectRolloutStatus(page: Page, id: string, status: string, timeout = 90_000): Promise<Locator> {
  const detail = page.locator(`[data-testid=rollout-detail][data-id="${id}"]`);
  await expect(detail).toHaveAttribute('data-status', status, { timeout });
  return detail;
}
