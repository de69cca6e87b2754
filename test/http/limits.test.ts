import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { bodyLimits } from '../../src/http/limits.js';
import { makeApp, type TestApp } from '../helpers.js';
import { everything, multipart, MULTIPART, seed, send } from './helpers.js';

let t: TestApp;
let hooks: { hook: string; raw: string };
beforeEach(async () => {
  t = await makeApp();
  hooks = await seed(t);
});
afterEach(() => t.close());

const A = '/api/v2/alice';
const JSON_TYPE = 'application/json';
const FORM = 'application/x-www-form-urlencoded';
const config = loadConfig({});
const LIMITS = bodyLimits(config);
const CAP = config.http.batchMaxItems;
const KB = 1024;

/** A JSON object body of exactly `size` bytes: `{"pad":"xxx…"}` plus the given members. */
function jsonOfSize(size: number, members = ''): string {
  const head = `{${members}${members ? ',' : ''}"pad":"`;
  return `${head}${'x'.repeat(size - head.length - 2)}"}`;
}

async function expectTooLarge(method: 'POST' | 'PUT', url: string, body: string | Buffer, type: string, key?: null) {
  const res = await send(t, method, url, body, type, { key });
  expect(res.status, url).toBe(413);
  expect(res.json).toEqual({ error: expect.stringMatching(/^request entity too large - /) });
}

describe('body limits per route', () => {
  it('the documented sizes: 64 KB, the largest value three times over, a full batch of 1 KB values', () => {
    expect(LIMITS).toEqual({ other: 64 * KB, value: 3 * 100 * KB + 16 * KB, batch: CAP * (2 * KB + 512) });
    expect(CAP).toBe(500);
  });

  it('routes without data values take 64 KB and refuse a byte more with a 413 that stores nothing', async () => {
    const before = await everything(t);
    expect((await send(t, 'POST', `${A}/tokens`, jsonOfSize(LIMITS.other + 1), JSON_TYPE)).status).toBe(413);
    // The audit's case: a 2 MB body made a token.
    await expectTooLarge('POST', `${A}/tokens`, jsonOfSize(2 * 1024 * KB), JSON_TYPE);
    await expectTooLarge('POST', `${A}/feeds`, jsonOfSize(LIMITS.other + 1, '"name":"huge"'), JSON_TYPE);
    await expectTooLarge('PUT', `${A}/feeds/temp`, jsonOfSize(LIMITS.other + 1, '"name":"renamed"'), JSON_TYPE);
    await expectTooLarge('POST', `${A}/groups`, `name=huge&pad=${'x'.repeat(LIMITS.other)}`, FORM);
    await expectTooLarge(
      'POST',
      `${A}/dashboards`,
      multipart([
        ['name', 'huge'],
        ['pad', 'x'.repeat(LIMITS.other)],
      ]),
      MULTIPART,
    );
    await expectTooLarge('POST', `${A}/dashboards/d/update_layouts`, jsonOfSize(LIMITS.other + 1, '"layouts":{}'), JSON_TYPE);
    await expectTooLarge('POST', `${A}/feeds/temp/webhooks`, jsonOfSize(LIMITS.other + 1, '"kind":"raw"'), JSON_TYPE);
    await expectTooLarge('POST', hooks.hook.replace(/$/, '/notify'), 'x'.repeat(LIMITS.other + 1), 'text/plain', null);
    expect(await everything(t)).toEqual(before);
    // At the limit exactly, the body is read.
    expect((await send(t, 'POST', `${A}/tokens`, jsonOfSize(LIMITS.other), JSON_TYPE)).status).toBe(200);
  });

  it('single-value routes take the largest value (100 KB, history off) in any encoding, and no more', async () => {
    const value = '{'.repeat(100 * KB); // three bytes each when percent-encoded
    const stored: number[] = [];
    for (const [body, type] of [
      [JSON.stringify({ value }), JSON_TYPE],
      [`value=${encodeURIComponent(value)}`, FORM],
      [multipart([['value', value]]), MULTIPART],
    ] as const) {
      const res = await send(t, 'POST', `${A}/feeds/big/data`, body, type);
      expect(res.status, type).toBe(200);
      stored.push((res.json.value as string).length);
    }
    expect(stored).toEqual([100 * KB, 100 * KB, 100 * KB]);
    expect((await send(t, 'POST', hooks.hook, JSON.stringify({ value: 'x'.repeat(1000) }), JSON_TYPE, { key: null })).status).toBe(200);
    // The raw receiver takes a body up to the limit and cuts it to the feed's value limit, as the hosted service does.
    expect(((await send(t, 'POST', hooks.raw, 'r'.repeat(LIMITS.value), 'text/plain', { key: null })).json.value as string).length).toBe(
      KB,
    );

    const before = await everything(t);
    await expectTooLarge('POST', `${A}/feeds/big/data`, jsonOfSize(LIMITS.value + 1, '"value":"1"'), JSON_TYPE);
    await expectTooLarge('PUT', `${A}/feeds/big/data/x`, jsonOfSize(LIMITS.value + 1, '"value":"1"'), JSON_TYPE);
    await expectTooLarge('POST', `${A}/groups/g/feeds/new/data`, `value=${'x'.repeat(LIMITS.value)}`, FORM);
    await expectTooLarge('POST', `${A}/feeds/big/data`, multipart([['value', 'x'.repeat(LIMITS.value)]]), MULTIPART);
    await expectTooLarge('POST', hooks.hook, jsonOfSize(LIMITS.value + 1, '"value":"1"'), JSON_TYPE, null);
    await expectTooLarge('POST', hooks.raw, 'r'.repeat(LIMITS.value + 1), 'text/plain', null);
    expect(await everything(t)).toEqual(before);
  });

  it(`multipart bodies have at most ${config.http.multipartMaxParts} parts`, async () => {
    expect(config.http.multipartMaxParts).toBe(100);
    const before = await everything(t);
    const parts = Array.from({ length: 101 }, (_, i) => [`f${i}`, '1'] as [string, string]);
    await expectTooLarge('POST', `${A}/feeds/temp/data`, multipart([['value', '1'], ...parts.slice(1)]), MULTIPART);
    expect(await everything(t)).toEqual(before);
    expect((await send(t, 'POST', `${A}/feeds/temp/data`, multipart([['value', '1'], ...parts.slice(2)]), MULTIPART)).status).toBe(200);
  });
});

describe(`batches take at most ${CAP} records`, () => {
  const records = (n: number, value = (i: number) => String(i)) => Array.from({ length: n }, (_, i) => ({ value: value(i) }));

  it('a full batch is stored; one record more is a 413 that stores nothing, bare or wrapped', async () => {
    const before = await everything(t);
    await expectTooLarge('POST', `${A}/feeds/temp/data/batch`, JSON.stringify(records(CAP + 1)), JSON_TYPE);
    await expectTooLarge('POST', `${A}/feeds/fresh/data/batch`, JSON.stringify({ data: records(CAP + 1) }), JSON_TYPE);
    await expectTooLarge('POST', `${A}/groups/g/feeds/temp2/data/batch`, JSON.stringify(records(CAP + 1)), JSON_TYPE);
    expect(await everything(t)).toEqual(before);

    const full = await send(t, 'POST', `${A}/feeds/temp/data/batch`, JSON.stringify(records(CAP)), JSON_TYPE);
    expect(full.status).toBe(200);
    expect(full.json).toHaveLength(CAP);
    expect((await t.req('GET', `${A}/feeds/temp/data?limit=1000`)).json).toHaveLength(CAP + 1);
  });

  it('a full batch of 1 KB values fits the body limit, even JSON-escaped; a longer body is a 413', async () => {
    const kb = '"'.repeat(KB); // two bytes each escaped
    const full = JSON.stringify(records(CAP, () => kb));
    expect(full.length).toBeLessThanOrEqual(LIMITS.batch);
    expect((await send(t, 'POST', `${A}/feeds/temp/data/batch`, full, JSON_TYPE)).status).toBe(200);
    const before = await everything(t);
    await expectTooLarge(
      'POST',
      `${A}/feeds/temp/data/batch`,
      JSON.stringify([...records(CAP - 1), { value: '1', pad: 'x'.repeat(LIMITS.batch) }]),
      JSON_TYPE,
    );
    expect(await everything(t)).toEqual(before);
  });

  it('group data takes the same number of feeds', async () => {
    const before = await everything(t);
    const feeds = Object.fromEntries(Array.from({ length: CAP + 1 }, (_, i) => [`f${i}`, String(i)]));
    await expectTooLarge('POST', `${A}/groups/g/data`, JSON.stringify({ feeds }), JSON_TYPE);
    await expectTooLarge(
      'POST',
      `${A}/groups/g/data`,
      JSON.stringify({ feeds: Object.entries(feeds).map(([key, value]) => ({ key, value })) }),
      JSON_TYPE,
    );
    expect(await everything(t)).toEqual(before);
    const ok = await send(t, 'POST', `${A}/groups/g/data`, JSON.stringify({ feeds: { a: '1', b: '2' } }), JSON_TYPE);
    expect(ok.json).toHaveLength(2);
  });
});
