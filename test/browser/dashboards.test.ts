import type { MqttClient } from 'mqtt';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VISUAL_TYPES } from '../../src/core/blocks.js';
import { ALICE, type ConsoleTest, startConsole } from './helpers.js';

let c: ConsoleTest;
let dashKey: string;
/** Block id by visual_type, on the dashboard with one block of every type. */
const blockIds = new Map<string, string>();

const FEEDS = ['temp', 'onoff', 'push', 'level', 'loc', 'colour', 'img', 'txt', 'note', 'pad', 'remote', 'choice'];
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** Each type's feeds and properties, and the role its block shows (what a screen reader finds). */
const SEED: Record<string, { feeds: string[]; properties: Record<string, string>; role: Parameters<Page['getByRole']>[0] }> = {
  gauge: { feeds: ['temp'], properties: { minValue: '0', maxValue: '100', decimalPlaces: '1' }, role: 'meter' },
  line_chart: { feeds: ['temp'], properties: { historyHours: '24', yAxisLabel: 'Temp' }, role: 'figure' },
  toggle_button: { feeds: ['onoff'], properties: { onText: 'On', offText: 'Off', onValue: 'ON', offValue: 'OFF' }, role: 'switch' },
  momentary_button: { feeds: ['push'], properties: { text: 'Push', value: '1', release: '0' }, role: 'button' },
  slider: { feeds: ['level'], properties: { min: '0', max: '100', step: '1' }, role: 'slider' },
  indicator: { feeds: ['onoff'], properties: { conditions: '= ON' }, role: 'img' },
  icon: { feeds: ['txt'], properties: { static: 'true', icon: 'w:day-sunny' }, role: 'img' },
  text: { feeds: ['txt'], properties: {}, role: 'status' },
  multiline_text: { feeds: ['note'], properties: {}, role: 'status' },
  rich_text: { feeds: [], properties: { text: '# Notes\n\nSome **bold** text <script>window.pwned=1</script>' }, role: 'document' },
  stream: { feeds: ['temp', 'txt'], properties: { showTimestamp: 'true' }, role: 'log' },
  map: { feeds: ['loc'], properties: { historyHours: '24' }, role: 'img' },
  dashboard_link: { feeds: [], properties: { dashboards: '[{"key":"elsewhere","name":"Elsewhere"}]' }, role: 'navigation' },
  color_picker: { feeds: ['colour'], properties: {}, role: 'textbox' },
  image: { feeds: ['img'], properties: {}, role: 'img' },
  remote_control: { feeds: ['remote'], properties: {}, role: 'group' },
  number_pad: { feeds: ['pad'], properties: {}, role: 'form' },
  selector: { feeds: ['choice'], properties: { options: 'red,green,blue' }, role: 'combobox' },
  battery: { feeds: ['level'], properties: {}, role: 'meter' },
  divider: { feeds: [], properties: { showName: 'false' }, role: 'separator' },
  line_gauge: { feeds: ['level'], properties: { minValue: '0', maxValue: '100' }, role: 'meter' },
};

const title = (type: string) => `B ${type}`;
const block = (page: Page, type: string) => page.locator(`section.block[data-visual-type="${type}"]`);

async function ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await c.api(method, path, body);
  expect(res.status, JSON.stringify(res.json)).toBeLessThan(300);
  return res.json;
}

async function openDashboard(page: Page, key = dashKey) {
  await page.goto(`${c.url}/#/dashboards/${key}`);
  await page.locator('.dashboard-page .grid').waitFor();
}

/** The next message on `topic` (already subscribed) after `act` runs. */
async function nextMessages(client: MqttClient, topic: string, count: number, act: () => Promise<unknown>): Promise<string[]> {
  const got: string[] = [];
  const done = new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} messages on ${topic}: ${got.join(', ')}`)), 10_000);
    const on = (t: string, payload: Buffer) => {
      if (t !== topic) return;
      got.push(payload.toString());
      if (got.length === count) {
        clearTimeout(timer);
        client.off('message', on);
        resolve(got);
      }
    };
    client.on('message', on);
  });
  await act();
  return done;
}

async function lastValue(feed: string): Promise<string> {
  return (await ok<{ value: string }>('GET', `/feeds/${feed}/data/last`)).value;
}

async function gridStart(item: Locator) {
  return item.evaluate((el) => {
    const s = getComputedStyle(el);
    return { col: s.gridColumnStart, row: s.gridRowStart, colEnd: s.gridColumnEnd, rowEnd: s.gridRowEnd };
  });
}

beforeAll(async () => {
  c = await startConsole();
  for (const key of FEEDS) await ok('POST', '/feeds', { feed: { name: key } });
  await ok('POST', '/feeds/temp/data', { value: '42.5' });
  await ok('POST', '/feeds/level/data', { value: '30' });
  await ok('POST', '/feeds/onoff/data', { value: 'OFF' });
  await ok('POST', '/feeds/txt/data', { value: 'hello' });
  await ok('POST', '/feeds/note/data', { value: 'line one\nline two' });
  await ok('POST', '/feeds/loc/data', { value: '1', lat: 40.7, lon: -74.0 });
  await ok('POST', '/feeds/loc/data', { value: '2', lat: 40.72, lon: -74.02 });
  await ok('POST', '/feeds/img/data', { value: PNG });
  await ok('POST', '/feeds/colour/data', { value: '#336699' });
  const d = await ok('POST', '/dashboards', { dashboard: { name: 'Every block', color_mode: 'light', block_borders: true } });
  dashKey = d.key;
  for (const type of VISUAL_TYPES) {
    const s = SEED[type]!;
    const b = await ok('POST', `/dashboards/${dashKey}/blocks`, {
      block: {
        visual_type: type,
        name: title(type),
        properties: s.properties,
        block_feeds: s.feeds.map((f) => ({ feed_id: f })),
        size_x: 4,
        size_y: 4,
      },
    });
    blockIds.set(type, b.id);
  }
});

afterAll(async () => {
  await c?.close();
});

// Generous: the machine running these is shared, and one test drives several page loads.
describe('dashboards in a browser', { timeout: 90_000 }, () => {
  it('renders one block of every type from its properties, each with its role and label', async () => {
    expect(Object.keys(SEED).sort()).toEqual([...VISUAL_TYPES].sort());
    const page = await c.signedInPage();
    await openDashboard(page);
    for (const type of VISUAL_TYPES) {
      const section = block(page, type);
      await expect(section.getAttribute('aria-label'), type).resolves.toBe(title(type));
      await expect(section.getByRole(SEED[type]!.role).first().isVisible(), `${type} shows a ${SEED[type]!.role}`).resolves.toBe(true);
    }
    // Values and properties, not just shapes.
    await expect(block(page, 'gauge').getByRole('meter').getAttribute('aria-valuenow')).resolves.toBe('42.5');
    await expect(block(page, 'battery').getByRole('meter').getAttribute('aria-valuenow')).resolves.toBe('30');
    await expect(block(page, 'toggle_button').getByRole('switch').getAttribute('aria-checked')).resolves.toBe('false');
    await expect(block(page, 'toggle_button').getByRole('switch').textContent()).resolves.toContain('Off');
    await expect(block(page, 'text').getByRole('status').textContent()).resolves.toContain('hello');
    const multi = block(page, 'multiline_text').getByRole('status');
    await expect(multi.textContent()).resolves.toContain('line one\nline two');
    await expect(multi.evaluate((el) => getComputedStyle(el).whiteSpace)).resolves.toBe('pre-wrap');
    await expect(block(page, 'slider').getByRole('slider').inputValue()).resolves.toBe('30');
    await expect(block(page, 'selector').getByRole('option').allTextContents()).resolves.toEqual(['Choose…', 'red', 'green', 'blue']);
    await expect(block(page, 'map').getByRole('img').getAttribute('aria-label')).resolves.toContain('2 points');
    await expect(block(page, 'image').getByRole('img').getAttribute('src')).resolves.toBe(`data:image/png;base64,${PNG}`);
    await expect(block(page, 'color_picker').locator('input[type=color]').inputValue()).resolves.toBe('#336699');
    await expect(block(page, 'dashboard_link').getByRole('link', { name: 'Elsewhere' }).getAttribute('href')).resolves.toBe(
      '#/dashboards/elsewhere',
    );
    await expect(block(page, 'stream').getByRole('listitem').count()).resolves.toBe(2);
    await expect(block(page, 'line_chart').locator('.chart-canvas canvas').count()).resolves.toBeGreaterThan(0);
    // Rich text: Markdown to elements, the <script> stays text and never runs.
    await expect(block(page, 'rich_text').getByRole('heading', { name: 'Notes' }).isVisible()).resolves.toBe(true);
    await expect(block(page, 'rich_text').locator('strong').textContent()).resolves.toBe('bold');
    await expect(block(page, 'rich_text').locator('script').count()).resolves.toBe(0);
    await expect(block(page, 'rich_text').textContent()).resolves.toContain('<script>');
    await expect(page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).resolves.toBeUndefined();
    expect(c.errors.filter((e) => !e.includes('401'))).toEqual([]);
  });

  it('a toggle click reaches an MQTT subscriber of the feed, and the switch follows', async () => {
    const page = await c.signedInPage();
    await openDashboard(page);
    const sub = await c.mqttClient();
    await sub.subscribeAsync(`${ALICE.username}/feeds/onoff`, { qos: 1 });
    const toggle = block(page, 'toggle_button').getByRole('switch');
    await expect(nextMessages(sub, `${ALICE.username}/feeds/onoff`, 1, () => toggle.click())).resolves.toEqual(['ON']);
    await page.waitForFunction(
      () => document.querySelector('section[data-visual-type="toggle_button"] [role=switch]')?.getAttribute('aria-checked') === 'true',
    );
    await page.waitForFunction(() =>
      document.querySelector('section[data-visual-type="indicator"] [role=img]')?.getAttribute('aria-label')?.endsWith(': on'),
    );
    await expect(nextMessages(sub, `${ALICE.username}/feeds/onoff`, 1, () => toggle.click())).resolves.toEqual(['OFF']);
    // A momentary press sends its value, the release its release value.
    await sub.subscribeAsync(`${ALICE.username}/feeds/push`, { qos: 1 });
    const push = block(page, 'momentary_button').getByRole('button', { name: title('momentary_button') });
    await expect(
      nextMessages(sub, `${ALICE.username}/feeds/push`, 2, async () => {
        await push.hover();
        await page.mouse.down();
        await page.mouse.up();
      }),
    ).resolves.toEqual(['1', '0']);
    // The keyboard too: Space held is a press, let go a release.
    await expect(
      nextMessages(sub, `${ALICE.username}/feeds/push`, 2, async () => {
        await push.focus();
        await page.keyboard.down(' ');
        await page.keyboard.up(' ');
      }),
    ).resolves.toEqual(['1', '0']);
  });

  it('a value published over MQTT shows on the gauge, text and stream blocks without a reload', async () => {
    const page = await c.signedInPage();
    await openDashboard(page);
    const pub = await c.mqttClient();
    await pub.publishAsync(`${ALICE.username}/feeds/temp`, '77.25', { qos: 1 });
    await pub.publishAsync(`${ALICE.username}/feeds/txt`, 'from mqtt', { qos: 1 });
    await page.waitForFunction(
      () => document.querySelector('section[data-visual-type="gauge"] [role=meter]')?.getAttribute('aria-valuenow') === '77.25',
    );
    await block(page, 'text').getByRole('status').filter({ hasText: 'from mqtt' }).waitFor({ timeout: 5000 });
    await block(page, 'stream').getByRole('listitem').filter({ hasText: '77.25' }).waitFor({ timeout: 5000 });
    await expect(block(page, 'gauge').locator('.gauge-value').textContent()).resolves.toBe('77.3');
    await page.waitForFunction(
      () => document.querySelector('section[data-visual-type="line_chart"] .chart-canvas')?.getAttribute('data-points') === '2',
    );
  });

  it('the other input blocks write through the API: slider, text, number pad, remote, selector, colour', async () => {
    const page = await c.signedInPage();
    await openDashboard(page);
    await block(page, 'slider').getByRole('slider').fill('64');
    await expect.poll(() => lastValue('level')).toBe('64');
    await block(page, 'text').getByRole('textbox').fill('typed here');
    await block(page, 'text').getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => lastValue('txt')).toBe('typed here');
    const pad = block(page, 'number_pad');
    for (const k of ['1', '2', '.', '5']) await pad.getByRole('button', { name: k, exact: true }).click();
    await pad.getByRole('button', { name: 'Enter' }).click();
    await expect.poll(() => lastValue('pad')).toBe('12.5');
    await block(page, 'remote_control').getByRole('button', { name: 'UP' }).click();
    await expect.poll(() => lastValue('remote')).toBe('UP');
    await block(page, 'selector').getByRole('combobox').selectOption('green');
    await expect.poll(() => lastValue('choice')).toBe('green');
    await block(page, 'color_picker').locator('input[type=color]').fill('#ff8800');
    await expect.poll(() => lastValue('colour')).toBe('#ff8800');
    // The written value shows at once.
    await page.waitForFunction(
      () => document.querySelector('section[data-visual-type="line_gauge"] [role=meter]')?.getAttribute('aria-valuenow') === '64',
    );
  });

  it('moves and resizes blocks by keyboard and pointer, per breakpoint, and the layout survives a reload', async () => {
    const page = await c.newPage({ width: 1280, height: 900 });
    await page.goto(`${c.url}/#/feeds`);
    await c.signIn(page);
    await openDashboard(page);
    const before = (await ok('GET', `/dashboards/${dashKey}`)).layouts;
    // The toggle is the first block, top left; the gauge the fourth, at the right edge (lg has 16 columns).
    const movedId = blockIds.get('toggle_button')!;
    const lg = (layouts: any, id: string) => layouts.lg.find((e: { i: string }) => e.i === id);
    const start = lg(before, movedId);

    await page.getByRole('button', { name: 'Edit layout' }).click();
    await expect(page.getByLabel('Breakpoint').inputValue()).resolves.toBe('lg');
    const item = page.getByRole('group', { name: new RegExp(`^${title('toggle_button')}:`) });
    await item.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Shift+ArrowRight');
    await expect(item.getAttribute('data-layout')).resolves.toBe(`${start.x},${start.y + 2},${start.w + 1},${start.h}`);

    // Pointer: drag the stream block (third column of blocks) two columns right by its body.
    const divId = blockIds.get('stream')!;
    const divStart = lg(before, divId);
    const divItem = page.getByRole('group', { name: new RegExp(`^${title('stream')}:`) });
    await divItem.scrollIntoViewIfNeeded();
    const box = (await divItem.boundingBox())!;
    const grid = (await page.locator('.dashboard-page .grid').boundingBox())!;
    const cell = (grid.width + 8) / 16;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + cell, box.y + box.height / 2, { steps: 4 });
    await page.mouse.move(box.x + box.width / 2 + 2 * cell, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    // And resize it by its corner handle one row taller.
    const handle = divItem.locator('.grid-resize');
    const hb = (await handle.boundingBox())!;
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
    await page.mouse.down();
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2 + 56, { steps: 4 });
    await page.mouse.up();
    const divExpect = { x: divStart.x + 2, w: divStart.w, h: divStart.h + 1 };
    await expect(divItem.getAttribute('data-layout')).resolves.toMatch(new RegExp(`^${divExpect.x},\\d+,${divExpect.w},${divExpect.h}$`));

    // Another breakpoint, chosen in the selector: xs (4 columns).
    await page.getByLabel('Breakpoint').selectOption('xs');
    const xsStart = before.xs.find((e: { i: string }) => e.i === movedId);
    await item.focus();
    await page.keyboard.press('Shift+ArrowDown');
    await expect(item.getAttribute('data-layout')).resolves.toBe(`${xsStart.x},${xsStart.y},${xsStart.w},${xsStart.h + 1}`);

    await page.getByRole('button', { name: 'Save layout' }).click();
    await page.getByRole('status').filter({ hasText: 'Layout saved.' }).waitFor();

    const after = (await ok('GET', `/dashboards/${dashKey}`)).layouts;
    expect(lg(after, movedId)).toMatchObject({ x: start.x, y: start.y + 2, w: start.w + 1, h: start.h });
    expect(lg(after, divId)).toMatchObject(divExpect);
    expect(after.xs.find((e: { i: string }) => e.i === movedId)).toMatchObject({ ...xsStart, h: xsStart.h + 1 });
    // Blocks the move landed on were pushed down, not hidden: no two lg entries overlap.
    const overlap = (a: any, b: any) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    for (const a of after.lg) for (const b of after.lg) if (a !== b) expect(overlap(a, b), `${a.i} and ${b.i}`).toBe(false);

    await page.reload();
    await page.locator('.dashboard-page .grid').waitFor();
    const placed = await gridStart(page.locator('.grid-item', { has: block(page, 'toggle_button') }));
    expect(placed).toEqual({
      col: String(start.x + 1),
      row: String(start.y + 3),
      colEnd: `span ${start.w + 1}`,
      rowEnd: `span ${start.h}`,
    });
  });

  it('adds a block through the dialog, edits its properties and deletes it', async () => {
    const page = await c.signedInPage();
    await openDashboard(page);
    await page.getByRole('button', { name: 'Edit layout' }).click();
    // An unsaved move first: a block added meanwhile must still show, and be saved with the layout.
    await page.getByRole('group', { name: new RegExp(`^${title('text')}:`) }).focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('button', { name: 'Add block' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a block' });
    await dialog.getByLabel('Block type').selectOption('line_gauge');
    await dialog.getByLabel('Block name').fill('Added gauge');
    await dialog.getByRole('radio', { name: /^temp/ }).check();
    await dialog.getByLabel('maxValue', { exact: true }).fill('200');
    await dialog.getByRole('button', { name: 'Add block' }).click();
    const added = page.locator('section.block[aria-label="Added gauge"]');
    await added.waitFor();
    await expect(added.getByRole('meter').getAttribute('aria-valuemax')).resolves.toBe('200');
    const blocks = await ok<any[]>('GET', `/dashboards/${dashKey}/blocks`);
    const made = blocks.find((b) => b.name === 'Added gauge');
    expect(made).toMatchObject({ visual_type: 'line_gauge', properties: { maxValue: '200' }, block_feeds: [{ feed: { key: 'temp' } }] });
    await page.getByRole('button', { name: 'Save layout' }).click();
    await page.getByRole('status').filter({ hasText: 'Layout saved.' }).waitFor();
    const { layouts } = await ok('GET', `/dashboards/${dashKey}`);
    expect(layouts.lg.map((e: { i: string }) => e.i)).toContain(made.id);
    expect(layouts.lg).toHaveLength(VISUAL_TYPES.length + 1);
    await page.getByRole('button', { name: 'Edit layout' }).click();

    await page.getByRole('button', { name: 'Edit Added gauge' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit Added gauge' });
    await edit.getByLabel('maxValue', { exact: true }).fill('150');
    await edit.getByRole('button', { name: 'Save block' }).click();
    await page.waitForFunction(
      () => document.querySelector('section[aria-label="Added gauge"] [role=meter]')?.getAttribute('aria-valuemax') === '150',
    );

    await page.getByRole('button', { name: 'Delete Added gauge' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete block' }).click();
    await added.waitFor({ state: 'detached' });
    const left = await ok<any[]>('GET', `/dashboards/${dashKey}/blocks`);
    expect(left.some((b) => b.name === 'Added gauge')).toBe(false);
    expect(left).toHaveLength(VISUAL_TYPES.length);
  });

  it('honours color_mode (light, then dark from the settings), block borders and the header', async () => {
    const page = await c.signedInPage();
    await openDashboard(page);
    const dash = page.locator('.dashboard-page');
    const bg = () => dash.evaluate((el) => getComputedStyle(el).backgroundColor);
    await expect(dash.getAttribute('data-theme')).resolves.toBe('light');
    await expect(bg()).resolves.toBe('rgb(244, 245, 247)');
    await expect(block(page, 'gauge').evaluate((el) => getComputedStyle(el).borderTopWidth)).resolves.toBe('1px');

    await page.getByText('Settings', { exact: true }).click();
    await page.getByLabel('Colour mode').selectOption('dark');
    await page.getByLabel('Show header').check();
    await page.getByLabel('Block borders').uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForFunction(() => document.querySelector('.dashboard-page')?.getAttribute('data-theme') === 'dark');
    await expect(bg()).resolves.toBe('rgb(21, 24, 30)');
    await expect(page.getByRole('heading', { level: 1, name: 'Every block' }).isVisible()).resolves.toBe(true);
    await expect(block(page, 'gauge').evaluate((el) => getComputedStyle(el).borderTopWidth)).resolves.toBe('0px');
    const saved = await ok('GET', `/dashboards/${dashKey}`);
    expect(saved).toMatchObject({ color_mode: 'dark', show_header: true, block_borders: false });
    // The layout was kept through the settings save.
    expect(saved.layouts.lg.length).toBe(VISUAL_TYPES.length);
    await page.reload();
    await page.locator('.dashboard-page[data-theme="dark"] .grid').waitFor();
  });

  it('screenshots a dashboard as people build them, in both colour modes', async () => {
    for (const key of ['greenhouse-temp', 'pump', 'vent', 'humidity', 'water-tank']) await ok('POST', '/feeds', { feed: { name: key } });
    // Six hours of temperatures, one every ten minutes, for the chart.
    const now = Date.now();
    const temps = Array.from({ length: 36 }, (_, k) => ({
      value: (21 + 3 * Math.sin(k / 5) + (k % 3) * 0.2).toFixed(2),
      created_at: new Date(now - (36 - k) * 600_000).toISOString(),
    }));
    await ok('POST', '/feeds/greenhouse-temp/data/batch', temps);
    await ok('POST', '/feeds/humidity/data', { value: '64' });
    await ok('POST', '/feeds/water-tank/data', { value: '72' });
    await ok('POST', '/feeds/pump/data', { value: 'ON' });
    await ok('POST', '/feeds/vent/data', { value: '40' });
    const d = await ok('POST', '/dashboards', {
      dashboard: {
        name: 'Greenhouse',
        description: 'Temperature, water and the pump',
        color_mode: 'light',
        show_header: true,
        block_borders: true,
      },
    });
    const blocks: Array<[string, string, string[], Record<string, string>, number, number, number, number]> = [
      ['gauge', 'Temperature', ['greenhouse-temp'], { minValue: '0', maxValue: '40', maxWarning: '30', decimalPlaces: '1' }, 0, 0, 4, 5],
      ['line_chart', 'Last 6 hours', ['greenhouse-temp'], { historyHours: '6', yAxisLabel: '°C' }, 4, 0, 8, 5],
      ['toggle_button', 'Pump', ['pump'], { onText: 'Running', offText: 'Stopped' }, 12, 0, 4, 2],
      ['indicator', 'Pump state', ['pump'], { conditions: '= ON' }, 12, 2, 4, 3],
      ['slider', 'Vent opening', ['vent'], { min: '0', max: '100', step: '5' }, 0, 5, 6, 2],
      ['line_gauge', 'Humidity', ['humidity'], { minValue: '0', maxValue: '100' }, 6, 5, 6, 2],
      ['battery', 'Water tank', ['water-tank'], {}, 12, 5, 4, 2],
      ['stream', 'Recent values', ['greenhouse-temp', 'pump'], {}, 0, 7, 8, 4],
      [
        'rich_text',
        'Notes',
        [],
        { text: '## Watering\n\n- Pump runs **6:00** and **18:00**\n- Keep the vent above 20 % in summer' },
        8,
        7,
        8,
        4,
      ],
    ];
    for (const [visual_type, name, feeds, properties, column, row, size_x, size_y] of blocks) {
      await ok('POST', `/dashboards/${d.key}/blocks`, {
        block: { visual_type, name, properties, block_feeds: feeds.map((f) => ({ feed_id: f })), column, row, size_x, size_y },
      });
    }
    const page = await c.newPage({ width: 1280, height: 900 });
    await page.goto(`${c.url}/#/feeds`);
    await c.signIn(page);
    await openDashboard(page, d.key);
    await page.waitForFunction(
      () => Number(document.querySelector('section[data-visual-type="line_chart"] .chart-canvas')?.getAttribute('data-points')) >= 30,
    );
    await c.screenshot(page, 'dashboard-light-mode');
    await ok('PATCH', `/dashboards/${d.key}`, { dashboard: { color_mode: 'dark' } });
    await page.reload();
    await page.locator('.dashboard-page[data-theme="dark"] .grid').waitFor();
    await page.waitForFunction(
      () => Number(document.querySelector('section[data-visual-type="line_chart"] .chart-canvas')?.getAttribute('data-points')) >= 30,
    );
    await c.screenshot(page, 'dashboard-dark-mode');
  });

  it('fits a 375 px wide phone: the xs layout, four columns, no sideways scrolling', async () => {
    const page = await c.newPage({ width: 375, height: 800 });
    await page.goto(`${c.url}/#/feeds`);
    await c.signIn(page);
    await openDashboard(page);
    await expect(page.locator('.dashboard-grid').getAttribute('class')).resolves.toContain('bp-xs');
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  });

  it('lists dashboards: create, open, rename, delete', async () => {
    const page = await c.signedInPage();
    await page.goto(`${c.url}/#/dashboards`);
    await page.getByRole('heading', { name: 'Dashboards', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Every block' }).waitFor();
    const form = page.locator('form.dashboard-create');
    await form.getByLabel('Name').fill('Garden');
    await form.getByLabel('Description').fill('Soil and water');
    await form.getByLabel('Visibility').selectOption('public');
    await form.getByRole('button', { name: 'Create' }).click();
    // Creating opens the new, empty dashboard.
    await page.waitForURL(/#\/dashboards\/garden$/);
    await page.getByText('No blocks yet.').waitFor();
    expect(await ok('GET', '/dashboards/garden')).toMatchObject({ name: 'Garden', description: 'Soil and water', visibility: 'public' });

    await page.getByRole('link', { name: 'All dashboards' }).click();
    await page.getByRole('button', { name: 'Rename Garden' }).click();
    await page.getByLabel('New name for Garden').fill('Back garden');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'Back garden' }).waitFor();
    expect((await ok('GET', '/dashboards/garden')).name).toBe('Back garden');

    await page.getByRole('button', { name: 'Delete Back garden' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('link', { name: 'Back garden' }).waitFor({ state: 'detached' });
    expect((await c.api('GET', '/dashboards/garden')).status).toBe(404);

    // A dashboard that does not exist says so.
    await page.goto(`${c.url}/#/dashboards/nope`);
    await page.getByRole('alert').filter({ hasText: 'No dashboard "nope"' }).waitFor();
  });
});
