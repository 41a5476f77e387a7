// Acceptance 5 of issue 12, on the web mode with 3 virtual boards on mosquitto (fast test
// watchdog): a rollout started from the "Firmware updates" view goes canary → the rest → done,
// wave by wave on screen; then an image whose app crashes at boot pauses after the canary, which
// is shown rolled back with the reason, no other board touched. The CLI sees the same rollouts.
// Then a new app version goes out as a file set, from its folder picked in the form.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAppImage } from '../src-main/sim/firmware-image-builder.js';
import { ROLLOUT_CHECK_APP, ROLLOUT_CHECK_FILE } from '../src-main/testing/rollout-app.js';
import { expect, test } from './fixtures.js';
import { connectBroker, expectFleet, expectRolloutStatus, shot, startRollout } from './steps.js';

const BOARDS = ['sim/sim-01', 'sim/sim-02', 'sim/sim-03'];
// Short gates: the boards' all-OK comes 3 s after boot; ~100 KB images.
const GATE = { onlineWithinS: 40, confirmWithinS: 40, stableS: 1 };
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const image = (version: string) => ({ name: `${version}.bin`, data: buildAppImage({ version, totalSize: 100_000 }) });

test('rollouts from the UI: a good image through the waves to done, a crashing one paused after the canary', async ({ app: page, server }, testInfo) => {
  await connectBroker(page, server);
  await expectFleet(page, BOARDS);

  const good = await test.step('a good image goes canary, then the rest, to done', async () => {
    const id = await startRollout(page, { image: image('v2.0.0-good'), patterns: 'sim/*', waves: '1,100%', ...GATE });
    const detail = page.locator(`[data-testid=rollout-detail][data-id="${id}"]`);
    const waves = detail.getByTestId('rollout-wave');
    await expect(waves).toHaveCount(2);
    await expect(waves.nth(0).getByTestId('rollout-board')).toHaveAttribute('data-prefix', 'sim/sim-01');
    // The canary is finished before the second wave starts.
    await expect(waves.nth(0)).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    await expect(waves.nth(0).getByTestId('rollout-board')).toHaveAttribute('data-phase', 'healthy');
    await expect(waves.nth(1)).toHaveAttribute('data-state', /running|done/);
    await expectRolloutStatus(page, id, 'done');
    await expect(detail.locator('[data-testid=rollout-board][data-phase=healthy]')).toHaveCount(3);
    await expect(detail.getByTestId('rollout-rate')).toHaveText(/^\d+\.\d boards\/min$/);
    for (const b of ['pause', 'resume', 'abort', 'retry']) await expect(detail.getByTestId(`rollout-${b}`)).toBeDisabled();
    await shot(page, testInfo, 'rollout-done');
    return id;
  });

  await test.step('an image whose app crashes at boot pauses after the canary, which rolls back', async () => {
    const id = await startRollout(page, { image: image('v3.0.0-bad'), patterns: 'sim/*', ...GATE });
    const detail = await expectRolloutStatus(page, id, 'paused');
    await expect(detail.getByTestId('rollout-reason')).toContainText('1 of 1 board(s) failed in the canary');
    const canary = detail.locator('[data-testid=rollout-board][data-prefix="sim/sim-01"]');
    await expect(canary).toHaveAttribute('data-phase', 'rolled-back');
    await expect(canary.getByTestId('rollout-board-reason')).toContainText('reset before confirming v3.0.0-bad; back on v2.0.0-good');
    await expect(detail.getByTestId('rollout-failure')).toHaveCount(1);
    for (const p of BOARDS.slice(1)) await expect(detail.locator(`[data-testid=rollout-board][data-prefix="${p}"]`)).toHaveAttribute('data-phase', 'pending');
    await expect(detail.getByTestId('rollout-resume')).toBeEnabled();
    await shot(page, testInfo, 'rollout-paused');
    await detail.getByTestId('rollout-abort').click();
    await expectRolloutStatus(page, id, 'aborted', 15_000);

    // The CLI reads the same data dir: both rollouts, in the states the UI showed.
    const cli = execFileSync(process.execPath, [join(ROOT, 'bin', 'mqboard.js'), 'rollout', 'status', '--all', '--json'], { env: { ...process.env, MQBOARD_DATA_DIR: server.dataDir! } }).toString();
    const all = JSON.parse(cli) as { id: string; status: string }[];
    expect(all.map((r) => [r.id, r.status])).toEqual([[good, 'done'], [id, 'aborted']]);
  });

  await test.step("a new app version from its folder (sync spec) goes out with the same gates", async () => {
    const folder = testInfo.outputPath('fwapp');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'app.spec'), `/src:\n    ${basename(ROLLOUT_CHECK_FILE)}\n`);
    writeFileSync(join(folder, basename(ROLLOUT_CHECK_FILE)), `__version__ = "2.1"\n${ROLLOUT_CHECK_APP}`);
    mkdirSync(join(folder, '.git'), { recursive: true });
    writeFileSync(join(folder, '.git', 'HEAD'), 'ref: refs/heads/main\n'); // left out of the set
    const id = await startRollout(page, { folder: { path: folder, name: 'fwapp' }, patterns: 'sim/*', waves: '1,100%', onlineWithinS: 40, stableS: 5 });
    const detail = await expectRolloutStatus(page, id, 'done');
    await expect(detail.getByTestId('rollout-what')).toContainText('file set');
    await expect(detail.locator('[data-testid=rollout-board][data-phase=healthy]')).toHaveCount(3);
    // Each board reports the app's new version in its status.
    await expect(detail.locator('[data-testid=rollout-board]').first()).toContainText('fwcheck 2.1');
    await shot(page, testInfo, 'rollout-files-done');
  });
});
