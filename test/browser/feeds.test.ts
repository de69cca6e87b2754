import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, type ConsoleTest, startConsole } from './helpers.js';

let c: ConsoleTest;
let page: Page;
let confirmAnswer = true;

/** The number of points uPlot holds in the feed page's chart, and its last plotted value. */
const plotted = (p: Page) =>
  p.evaluate(() => {
    const el = document.querySelector('.chart-canvas') as (HTMLElement & { uplot?: { data: number[][] } }) | null;
    const data = el?.uplot?.data;
    return { n: data ? data[0]!.length : -1, last: data ? data[1]![data[1]!.length - 1] : null };
  });

const rowsOf = (p: Page, selector: string) => p.locator(selector).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-feed')));

/** expect.poll with room for a loaded machine (its default gives up after 1 s). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 });

/** A feed made inside a group has the key `group.feed`. */
const HUM = 'kitchen.humidity';

/** Setting up through the API: any 2xx. */
async function setUp(res: Promise<{ status: number; json: unknown }>) {
  const r = await res;
  if (r.status >= 300) throw new Error(`set-up call answered ${r.status}: ${JSON.stringify(r.json)}`);
}

beforeAll(async () => {
  c = await startConsole();
  // Kitchen holds humidity and also temperature, which stays in Default too: it shows under both.
  await setUp(c.api('POST', '/groups', { group: { name: 'Kitchen' } }));
  await setUp(c.api('POST', '/feeds', { feed: { name: 'Temperature' } }));
  await setUp(c.api('POST', '/groups/kitchen/feeds', { feed: { name: 'Humidity' } }));
  await setUp(c.api('POST', '/groups/kitchen/add', { feed_key: 'temperature' }));
  await setUp(c.api('POST', '/feeds/temperature/data', { value: '21.5' }));
  await setUp(c.api('POST', `/feeds/${HUM}/data`, { value: '40' }));
  page = await c.signedInPage();
  // Every confirm() is answered with `confirmAnswer` (a test that says no sets it back).
  page.on('dialog', (d) => (confirmAnswer ? d.accept() : d.dismiss()));
});
afterAll(async () => {
  await c?.close();
});

describe('feeds list', () => {
  it('shows the feeds under each of their groups with last value, status and age', async () => {
    await page.goto(`${c.url}/#/feeds`);
    await page.getByRole('heading', { name: 'Feeds', level: 1 }).waitFor();
    await page.locator(`[data-group="kitchen"] tr[data-feed="${HUM}"]`).waitFor();
    expect((await rowsOf(page, '[data-group="kitchen"] tbody tr')).sort()).toEqual([HUM, 'temperature']);
    const defaults = await rowsOf(page, '[data-group="default"] tbody tr');
    expect(defaults).toContain('temperature');
    expect(defaults).not.toContain(HUM);
    const row = page.locator('[data-group="default"] tr[data-feed="temperature"]');
    await expect(row.locator('.feeds-value').textContent()).resolves.toBe('21.5');
    await expect(row.locator('.badge').textContent()).resolves.toBe('online');
    await row.locator('.feeds-age time').waitFor();
    expect(await row.locator('.feeds-age').textContent()).toMatch(/just now|\d+ s ago/);
    await c.screenshot(page, 'feeds');
  });

  it('filters by name or key as you type', async () => {
    await page.goto(`${c.url}/#/feeds`);
    await page.locator('tr[data-feed="temperature"]').first().waitFor();
    await page.getByLabel('Search feeds').fill('HUMID');
    await poll(() => rowsOf(page, 'tbody tr')).toEqual([HUM]);
    await page.getByLabel('Search feeds').fill('nothing-like-this');
    await page.getByText('No feed matches').waitFor();
    await page.getByLabel('Search feeds').fill('');
    await poll(async () => (await rowsOf(page, 'tbody tr')).length).toBe(3);
  });

  it('shows a value that arrives while the list is open', async () => {
    await page.goto(`${c.url}/#/feeds`);
    const cell = page.locator(`[data-group="kitchen"] tr[data-feed="${HUM}"] .feeds-value`);
    await poll(() => cell.textContent()).toBe('40');
    await (await c.mqttClient()).publishAsync(`${ALICE.username}/feeds/${HUM}`, '41.25', { qos: 1 });
    await poll(() => cell.textContent()).toBe('41.25');
  });

  it('creates, renames and deletes a feed', async () => {
    await page.goto(`${c.url}/#/feeds`);
    await page.getByRole('button', { name: 'New feed' }).click();
    const form = page.getByRole('form', { name: 'New feed' });
    await form.getByLabel('Name').fill('Pressure');
    await form.getByLabel('Description').fill('hPa at the window');
    await form.getByLabel('Group').selectOption('kitchen');
    await form.getByRole('button', { name: 'Create feed' }).click();
    await page.locator('[data-group="kitchen"] tr[data-feed="kitchen.pressure"]').waitFor();
    const made = await c.api('GET', '/feeds/kitchen.pressure');
    expect(made.status).toBe(200);
    expect(made.json).toMatchObject({ name: 'Pressure', description: 'hPa at the window', group: { key: 'kitchen' } });

    await page.getByRole('button', { name: 'Rename Pressure' }).click();
    await page.getByLabel('New name for Pressure').fill('Air pressure');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Air pressure' }).waitFor();
    expect((await c.api('GET', '/feeds/kitchen.pressure')).json.name).toBe('Air pressure');

    await page.getByRole('button', { name: 'Delete Air pressure' }).click();
    await page.locator('tr[data-feed="kitchen.pressure"]').waitFor({ state: 'detached' });
    expect((await c.api('GET', '/feeds/kitchen.pressure')).status).toBe(404);
  });

  it('keeps a feed when the delete is not confirmed', async () => {
    await page.goto(`${c.url}/#/feeds`);
    await page.locator(`tr[data-feed="${HUM}"]`).waitFor();
    confirmAnswer = false;
    try {
      const asked = page.waitForEvent('dialog');
      await page.getByRole('button', { name: 'Delete Humidity', exact: true }).click();
      expect((await asked).message()).toBe('Delete feed "Humidity" and all its data?');
    } finally {
      confirmAnswer = true;
    }
    expect((await c.api('GET', `/feeds/${HUM}`)).status).toBe(200);
    await expect(page.locator(`tr[data-feed="${HUM}"]`).count()).resolves.toBe(1);
  });
});

describe('feed page', () => {
  it('adds a point that appears in the chart and the table, then edits and deletes it', async () => {
    await page.goto(`${c.url}/#/feeds/temperature`);
    await page.getByRole('heading', { name: 'Temperature', level: 1 }).waitFor();
    await page.locator('.feed-table tbody tr').first().waitFor();
    await poll(async () => (await plotted(page)).n).toBeGreaterThan(0);
    const before = await plotted(page);

    await page.getByLabel('New value').fill('42.75');
    await page.getByRole('button', { name: 'Add point' }).click();
    await poll(async () => (await plotted(page)).n).toBe(before.n + 1);
    expect((await plotted(page)).last).toBe(42.75);
    const first = page.locator('.feed-table tbody tr').first();
    await poll(() => first.locator('.value').textContent()).toBe('42.75');
    const id = await first.getAttribute('data-id');
    expect((await c.api('GET', `/feeds/temperature/data/${id}`)).json.value).toBe('42.75');
    await expect(page.locator('.feed-last').textContent()).resolves.toBe('42.75');

    await page.getByRole('button', { name: `Edit point ${id}` }).click();
    await page.locator(`#edit-${id}`).fill('43');
    await first.getByRole('button', { name: 'Save' }).click();
    await poll(() => first.locator('.value').textContent()).toBe('43');
    expect((await c.api('GET', `/feeds/temperature/data/${id}`)).json.value).toBe('43');

    await page.getByRole('button', { name: `Delete point ${id}` }).click();
    await page.locator(`tr[data-id="${id}"]`).waitFor({ state: 'detached' });
    expect((await c.api('GET', `/feeds/temperature/data/${id}`)).status).toBe(404);
  });

  it('shows a value published over MQTT without a reload', async () => {
    await page.goto(`${c.url}/#/feeds/temperature`);
    await page.locator('.feed-table tbody tr').first().waitFor();
    await poll(async () => (await plotted(page)).n).toBeGreaterThan(0);
    const before = await plotted(page);
    const client = await c.mqttClient();
    await client.publishAsync(`${ALICE.username}/feeds/temperature`, '77.5', { qos: 1 });
    await poll(() => page.locator('.feed-last').textContent()).toBe('77.5');
    await poll(() => page.locator('.feed-table tbody tr .value').first().textContent()).toBe('77.5');
    await poll(async () => (await plotted(page)).n).toBe(before.n + 1);
    expect((await plotted(page)).last).toBe(77.5);
  });

  it('pages the table with the API cursors, newest first', async () => {
    const values = Array.from({ length: 30 }, (_, i) => ({
      value: String(i),
      created_at: new Date(Date.now() - (40 - i) * 60_000).toISOString(),
    }));
    await setUp(c.api('POST', '/feeds/paged/data/batch', values));
    await page.goto(`${c.url}/#/feeds/paged`);
    const cells = page.locator('.feed-table tbody .value');
    await poll(() => cells.count()).toBe(25);
    expect(await cells.first().textContent()).toBe('29');
    await expect(page.locator('.feed-table caption').textContent()).resolves.toContain('30 points');
    await page.getByRole('button', { name: 'Older' }).click();
    await poll(() => cells.allTextContents()).toEqual(['4', '3', '2', '1', '0']);
    expect(await page.getByRole('button', { name: 'Older' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Newer' }).click();
    await poll(() => cells.first().textContent()).toBe('29');
    // For the README: a feed with an hour of points, as it opens.
    await page.reload();
    await poll(async () => (await plotted(page)).n).toBe(30);
    await cells.first().waitFor();
    await c.screenshot(page, 'feed');
  });

  it('changes the chart range and asks data/chart for that window', async () => {
    await page.goto(`${c.url}/#/feeds/paged`);
    await poll(async () => (await plotted(page)).n).toBeGreaterThan(0);
    const asked = page.waitForRequest((r) => r.url().includes('/data/chart') && r.url().includes('hours=24'));
    await page.getByRole('button', { name: '24 h' }).click();
    await asked;
    expect(await page.getByRole('button', { name: '24 h' }).getAttribute('aria-pressed')).toBe('true');
    const custom = page.waitForRequest((r) => r.url().includes('/data/chart') && r.url().includes('start_time='));
    await page.getByRole('button', { name: 'Custom' }).click();
    await page.getByRole('button', { name: 'Show' }).click();
    const url = new URL((await custom).url());
    expect(Date.parse(url.searchParams.get('end_time')!) - Date.parse(url.searchParams.get('start_time')!)).toBeGreaterThan(23 * 3_600_000);
  });

  it('downloads every point as CSV and as JSON', async () => {
    await page.goto(`${c.url}/#/feeds/paged`);
    await page.locator('.feed-table tbody tr').first().waitFor();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe('paged.csv');
    const lines = readFileSync((await csv.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('id,value,feed_id,created_at,lat,lon,ele');
    expect(lines).toHaveLength(31);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(Array.from({ length: 30 }, (_, i) => String(29 - i)));
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    const records = JSON.parse(readFileSync((await json.path())!, 'utf8')) as Array<{ value: string; feed_key: string }>;
    expect(records).toHaveLength(30);
    expect(records[0]).toMatchObject({ value: '29', feed_key: 'paged' });
  });

  it('saves settings, manages webhook receivers and sharing, and shows snippets without the key', async () => {
    await page.goto(`${c.url}/#/feeds/${HUM}`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    const settings = page.locator('.feed-settings');
    await settings.getByLabel('Unit symbol').fill('%');
    await settings.getByLabel('Offline after (minutes)').fill('15');
    await settings.getByLabel('Visibility').selectOption('public');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await poll(async () => (await c.api('GET', `/feeds/${HUM}`)).json.unit_symbol).toBe('%');
    expect((await c.api('GET', `/feeds/${HUM}`)).json).toMatchObject({ status_timeout: 15, visibility: 'public' });

    // Receivers and sharing are folded: nothing is fetched for them until they are opened.
    const hooks = page.locator('.feed-webhooks');
    expect(await hooks.count()).toBe(0);
    await page.locator('summary', { hasText: 'Webhook receivers' }).click();
    await hooks.getByLabel('Kind').selectOption('raw');
    await hooks.getByRole('button', { name: 'Create receiver' }).click();
    const url = await hooks.locator('.feed-secret code').textContent();
    expect(url).toMatch(/\/api\/v2\/webhooks\/feed\/[^/]+\/raw$/);
    const listed = await c.api('GET', `/feeds/${HUM}/webhooks`);
    expect(listed.json).toHaveLength(1);
    await hooks.getByRole('button', { name: /Delete raw receiver/ }).click();
    await hooks.getByText('None.').waitFor();
    expect((await c.api('GET', `/feeds/${HUM}/webhooks`)).json).toHaveLength(0);

    await page.locator('summary', { hasText: 'Sharing' }).click();
    const sharing = page.locator('.feed-sharing');
    await sharing.getByLabel('Username').fill('bob');
    await sharing.getByLabel('May').selectOption('r');
    await sharing.getByRole('button', { name: 'Share' }).click();
    await sharing.getByText('bob: read').waitFor();
    const acl = (await c.api('GET', `/feeds/${HUM}/acl`)).json as Array<{ scope: string; scope_value: string }>;
    expect(acl.some((p) => p.scope === 'user' && p.scope_value === 'bob')).toBe(true);
    await sharing.getByRole('button', { name: 'Stop sharing with bob' }).click();
    await sharing.getByText('bob: read').waitFor({ state: 'detached' });

    const snippets = page.locator('.feed-snippets');
    await expect(snippets.locator('.snippet-topic').textContent()).resolves.toBe(`${ALICE.username}/feeds/${HUM}`);
    const curl = await snippets.locator('.snippet-curl').textContent();
    expect(curl).toContain('X-AIO-Key: YOUR_KEY');
    expect(curl).toContain(`/api/v2/${ALICE.username}/feeds/${HUM}/data`);
    expect(await page.content()).not.toContain(ALICE.key);
  });

  it('works from the keyboard: a point added with Enter, a range picked with Space', async () => {
    await page.goto(`${c.url}/#/feeds/temperature`);
    await page.locator('.feed-table tbody tr').first().waitFor();
    await page.getByLabel('New value').focus();
    await page.keyboard.type('12.5');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('.feed-table tbody .value').first().textContent()).toBe('12.5');
    await page.getByRole('button', { name: '7 d' }).focus();
    await page.keyboard.press('Space');
    await poll(() => page.getByRole('button', { name: '7 d' }).getAttribute('aria-pressed')).toBe('true');
  });

  // Its own browser context and sign-in: slow on a busy machine.
  it('fits a 375 px wide phone screen', async () => {
    const phone = await c.newPage({ width: 375, height: 740 });
    await phone.goto(`${c.url}/#/feeds`);
    await c.signIn(phone);
    await phone.locator('tr[data-feed="temperature"]').first().waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.goto(`${c.url}/#/feeds/temperature`);
    await phone.locator('.feed-table tbody tr').first().waitFor();
    await poll(async () => (await plotted(phone)).n).toBeGreaterThan(0);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  }, 60_000);

  it('says so for a feed that does not exist', async () => {
    await page.goto(`${c.url}/#/feeds/no-such-feed`);
    await page.getByText('There is no feed “no-such-feed”.').waitFor();
  });
});

describe('groups', () => {
  it('lists, creates, fills, empties, renames and deletes a group; values live', async () => {
    await page.goto(`${c.url}/#/groups`);
    await page.locator('tr[data-group="kitchen"]').waitFor();
    const form = page.getByRole('form', { name: 'New group' });
    await form.getByLabel('Name').fill('Garden');
    await form.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('link', { name: 'Garden' }).click();
    await page.getByRole('heading', { name: 'Garden', level: 1 }).waitFor();
    await page.getByText('No feeds in this group.').waitFor();

    await page.getByLabel('Add feed').selectOption(HUM);
    await page.getByRole('button', { name: 'Add to group' }).click();
    const row = page.locator(`tr[data-feed="${HUM}"]`);
    await row.waitFor();
    expect(((await c.api('GET', '/groups/garden')).json.feeds as Array<{ key: string }>).map((f) => f.key)).toEqual([HUM]);

    await (await c.mqttClient()).publishAsync(`${ALICE.username}/feeds/${HUM}`, '55', { qos: 1 });
    await poll(() => row.locator('.groups-value').textContent()).toBe('55');

    await page.getByRole('button', { name: 'Remove Humidity from Garden' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await c.api('GET', '/groups/garden')).json.feeds).toEqual([]);

    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name for Garden').fill('Back garden');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Back garden', level: 1 }).waitFor();
    expect((await c.api('GET', '/groups/garden')).json.name).toBe('Back garden');

    await page.getByRole('button', { name: 'Delete group' }).click();
    await page.waitForURL(/#\/groups$/);
    expect((await c.api('GET', '/groups/garden')).status).toBe(404);
    await c.screenshot(page, 'groups');
  });

  it('has no page errors along the way', () => {
    // Expected failed loads: the session check before signing in (401), the missing feed (404).
    expect(c.errors.filter((e) => !/status of (401|404)/.test(e))).toEqual([]);
  });
});
