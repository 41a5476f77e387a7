// Broker profiles on the fake console: the form (validation, password never shown back, the
// insecure warning), errors on the profile that failed, several brokers at once.
import { expect, test } from './fixtures.js';
import { profileCard, shot } from './steps.js';

test('adds a profile: validation, insecure warning, and the password never comes back', async ({ app: page }, testInfo) => {
  await page.getByTestId('profile-add').click();
  const form = page.getByTestId('profile-form');
  await form.getByTestId('pf-name').fill('Office');
  await form.getByTestId('pf-url').fill('http://office');
  await form.getByTestId('pf-save').click();
  await expect(form).toContainText('A broker URL: mqtt://, mqtts://, ws:// or wss://host:port');
  await form.getByTestId('pf-url').fill('mqtts://office.example:8883');
  await form.getByTestId('pf-user').fill('ops');
  await form.getByTestId('pf-password').fill('s3cret-pw');
  // The same password over plain MQTT to another host would be readable on the way.
  await form.getByTestId('pf-url').fill('mqtt://office.example:1883');
  await expect(form.getByTestId('pf-plain-password')).toContainText('goes to office.example unencrypted');
  await form.getByTestId('pf-url').fill('mqtt://127.0.0.1:1883');
  await expect(form.getByTestId('pf-plain-password')).toHaveCount(0);
  await form.getByTestId('pf-url').fill('mqtts://office.example:8883');
  await expect(form.getByTestId('pf-plain-password')).toHaveCount(0);
  await expect(form.getByTestId('pf-insecure-warning')).toHaveCount(0);
  await form.getByTestId('pf-insecure').check();
  await expect(form.getByTestId('pf-insecure-warning')).toContainText('Insecure');
  await shot(page, testInfo, 'profile-form');
  await form.getByTestId('pf-save').click();
  await expect(form).toBeHidden();
  const card = page.locator('[data-testid=profile]', { hasText: 'Office' });
  await expect(card).toContainText('ops @ mqtts://office.example:8883');
  await expect(card).toContainText('certificate not verified');
  await card.getByTestId('profile-edit').click();
  await expect(form.getByTestId('pf-password')).toHaveValue('');
  await expect(form.getByTestId('pf-password')).toHaveAttribute('placeholder', /stored/);
  expect(await page.content()).not.toContain('s3cret-pw');
  await page.keyboard.press('Escape');
  await expect(form).toBeHidden();
});

test('shows a connection error on the profile that failed', async ({ app: page }) => {
  await page.getByTestId('profile-add').click();
  const form = page.getByTestId('profile-form');
  await form.getByTestId('pf-name').fill('Nowhere');
  await form.getByTestId('pf-url').fill('mqtt://unreachable.example:1883');
  await form.getByTestId('pf-save').click();
  const card = page.locator('[data-testid=profile]', { hasText: 'Nowhere' });
  await card.getByTestId('profile-connect').click();
  await expect(card.getByTestId('profile-error')).toContainText('cannot reach mqtt://unreachable.example:1883');
  await expect(card).toHaveAttribute('data-state', 'error');
  await expect(profileCard(page, 'demo').getByTestId('profile-error')).toHaveCount(0);
});

test('connects several brokers at once and shows their boards together', async ({ app: page }) => {
  await profileCard(page, 'demo').getByTestId('profile-connect').click();
  await profileCard(page, 'lab').getByTestId('profile-connect').click();
  await expect(profileCard(page, 'lab')).toHaveAttribute('data-state', 'online');
  await expect(page.getByTestId('fleet-count')).toHaveText('5 boards');
  await page.getByTestId('sort-broker').click();
  await expect(page.getByTestId('cell-prefix')).toHaveText(['sim/sim-01', 'sim/sim-02', 'sim/sim-03', 'lab/sim-01', 'lab/sim-02']);
  await profileCard(page, 'lab').getByTestId('profile-disconnect').click();
  await expect(page.getByTestId('fleet-count')).toHaveText('3 boards');
});
