import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleTest, startConsole } from './helpers.js';

let c: ConsoleTest;
beforeAll(async () => {
  c = await startConsole({ config: { accountLimits: { feeds: 10, groups: 0, dashboards: 5 } } });
  await c.api('POST', '/feeds', { feed: { name: 'Temperature' } });
  await c.api('POST', '/feeds', { feed: { name: 'Fan' } });
});
afterAll(async () => {
  await c?.close();
});

/** Errors other than failed loads (401 and pages other helpers have not written yet). */
const pageErrors = () => c.errors.filter((e) => !e.startsWith('Failed to load resource'));

describe('console-server pages', () => {
  it('tokens: create with scope and expiry, the key and QR code shown once, sign in with it, delete', async () => {
    const page = await c.signedInPage();
    await page.goto(`${c.url}/#/tokens`);
    await page.getByRole('heading', { name: 'Tokens' }).waitFor();
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New token' });
    await dialog.getByLabel('Create').check();
    await dialog.getByLabel('Feed').selectOption({ label: 'Temperature (temperature)' });
    await dialog.getByLabel('Expires').fill('2099-01-01T00:00');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('dialog', { name: 'Token created' });
    const secret = (await shown.getByTestId('token-secret').textContent())!;
    expect(secret).toMatch(/^aio_[A-Za-z0-9]{28}$/);
    await expect(shown.getByRole('img', { name: /QR code/ }).getAttribute('src')).resolves.toMatch(/^data:image\/png;base64,/);
    await c.screenshot(page, 'token-created');
    await shown.getByRole('button', { name: 'Close' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Temperature' });
    await expect(row.textContent()).resolves.toContain('Read, Create');
    // The list never shows a secret again.
    expect(await page.content()).not.toContain(secret);
    const tokens = (await c.api('GET', '/tokens')).json;
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({
      readable: true,
      createable: true,
      updateable: false,
      deleteable: false,
      expiration: '2099-01-01T00:00:00Z',
    });

    // A console session made from that token sees only its feed.
    const other = await c.newPage();
    await other.goto(`${c.url}/#/signin`);
    await c.signInWithToken(other, secret);
    const seen = await other.evaluate(async () => {
      const h = { 'X-Aio-Console': '1' };
      return [
        (await fetch('/api/v2/alice/feeds/temperature', { headers: h })).status,
        (await fetch('/api/v2/alice/feeds/fan', { headers: h })).status,
      ];
    });
    expect(seen).toEqual([200, 403]);
    await other.goto(`${c.url}/#/tokens`);
    await other.getByText('Tokens are managed with the account key').waitFor();

    await page.getByRole('button', { name: `Delete token ${tokens[0].id}` }).click();
    await page.getByRole('dialog', { name: 'Delete token?' }).getByRole('button', { name: 'Delete token' }).click();
    await page.getByText('No tokens yet.').waitFor();
    // Deleting the token ended the session made from it.
    const after = await other.evaluate(async () => (await fetch('/console/session', { headers: { 'X-Aio-Console': '1' } })).status);
    expect(after).toBe(401);
    expect(pageErrors()).toEqual([]);
  });

  it('activities: listed newest first, filtered by kind, paged', async () => {
    for (let i = 0; i < 30; i++) expect((await c.api('POST', '/groups', { group: { name: `G${i}` } })).status).toBe(201);
    const page = await c.signedInPage();
    await page.goto(`${c.url}/#/activities`);
    const table = page.getByRole('table');
    await table.getByRole('caption').filter({ hasText: 'activities' }).waitFor();
    await expect(table.getByRole('row').nth(1).textContent()).resolves.toContain('G29');
    await page.getByRole('button', { name: 'Older' }).click();
    await expect(page.getByText('Page 2')).toBeTruthy();
    await page.getByText('Page 2').waitFor();
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.getByText('Page 1').waitFor();
    await page.getByLabel('Kind').selectOption('feed');
    await page.waitForURL(/#\/activities\?type=feed$/);
    await table.getByRole('caption').filter({ hasText: 'of kind feed' }).waitFor();
    const kinds = await table.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['Feed']));
    await c.screenshot(page, 'activities');
    expect(pageErrors()).toEqual([]);
  });

  it('limits: /throttle figures, account caps, and a throttle notice live', async () => {
    await c.server.core.accounts.setRateLimit('alice', 2);
    const page = await c.signedInPage();
    await page.goto(`${c.url}/#/limits`);
    await page.getByRole('heading', { name: 'Limits' }).waitFor();
    await page.getByText('No throttle or ban notice since this page opened.').waitFor();
    const feeds = page.locator('.figures div').filter({ hasText: 'Feeds' });
    await expect(feeds.locator('dd').textContent()).resolves.toBe('2 / 10');
    for (let i = 0; i < 3; i++) await c.api('POST', '/feeds/temperature/data', { value: i });
    await page.getByText('data rate limit reached').first().waitFor();
    await c.screenshot(page, 'limits');
    await c.server.core.accounts.setRateLimit('alice', null);
    expect(pageErrors()).toEqual([]);
  });

  it('actions: create a reactive action, disable it, delete it', async () => {
    const page = await c.signedInPage();
    await page.goto(`${c.url}/#/actions`);
    await page.getByRole('button', { name: 'New action' }).click();
    const dialog = page.getByRole('dialog', { name: 'New action' });
    await dialog.getByLabel('Feed', { exact: true }).selectOption({ label: 'Temperature' });
    await dialog.getByLabel('Is').selectOption('gt');
    await dialog.getByLabel('Value', { exact: true }).fill('30');
    await dialog.getByLabel('Target feed').selectOption({ label: 'Fan' });
    await dialog.getByLabel('To value').fill('1');
    await dialog.getByRole('button', { name: 'Create action' }).click();
    const actions = async () => (await c.api('GET', '/actions')).json;
    await expect.poll(async () => (await actions()).length).toBe(1);
    const [made] = await actions();
    expect(made).toMatchObject({ trigger_type: 'reactive', operator: 'gt', value: '30', action: 'feed', action_value: '1', enabled: true });
    const enabled = page.getByLabel(`Enabled: action ${made.id}`);
    await enabled.waitFor();
    await c.screenshot(page, 'actions');
    await enabled.uncheck();
    await expect.poll(async () => (await actions())[0].enabled).toBe(false);
    await page.getByRole('button', { name: `Delete action ${made.id}` }).click();
    await page.getByRole('dialog', { name: 'Delete action?' }).getByRole('button', { name: 'Delete action' }).click();
    await page.getByText('No actions yet.').waitFor();
    expect(await actions()).toEqual([]);
    expect(pageErrors()).toEqual([]);
  });

  it('docs: the OpenAPI document grouped by tag, an operation opens to its parameters and responses, filter', async () => {
    const page = await c.signedInPage();
    await page.goto(`${c.url}/#/docs`);
    await page.getByRole('heading', { name: 'API reference' }).waitFor();
    for (const tag of ['Console', 'Data', 'Feeds', 'Dashboards']) await page.getByRole('heading', { name: tag, exact: true }).waitFor();
    const op = page.locator('details.op').filter({ hasText: '/api/v2/{username}/feeds/{feed_key}/data/last' });
    await op.locator('summary').click();
    await op.getByRole('table', { name: 'Parameters' }).getByText('feed_key').waitFor();
    await op.getByRole('table', { name: 'Responses' }).getByText('DataResponse').waitFor();
    await c.screenshot(page, 'docs');
    await page.getByLabel('Filter operations').fill('console/session');
    await expect.poll(() => page.locator('details.op').count()).toBe(3);
    expect(pageErrors()).toEqual([]);
  });

  it('works at 375 px wide: the menu button opens the navigation', async () => {
    const page = await c.newPage({ width: 375, height: 740 });
    await page.goto(`${c.url}/#/signin`);
    await c.signIn(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav.getByRole('link', { name: 'Limits' }).click();
    await page.getByRole('heading', { name: 'Limits' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pageErrors()).toEqual([]);
  });
});
