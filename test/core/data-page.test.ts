// Data.pageText writes GET data's page as bytes of its own (routes/data.ts answers them as they
// are): they must be exactly the UTF-8 of JSON.stringify of the records datumJson gives, for every
// shape of record and page.
import { describe, expect } from 'vitest';
import { datumJson } from '../../src/core/serializers/datum.js';
import type { FeedRow } from '../../src/core/types.js';
import { type TestCore, coreTestWith } from '../helpers.js';

const VALUES = [
  '21.5',
  '',
  '007',
  '-0',
  '1e5',
  'say "hi"\\ now',
  'line\nbreak\ttab\u0001\u001f\u007f',
  'ünïcødé ✓ 🌡',
  'lone \ud800 surrogate',
  '\u2028\u2029',
  '{"json":[1,2]}',
  '</script>',
];
const LOCATIONS = [
  { lat: null, lon: null, ele: null },
  { lat: 42.36, lon: -71.06, ele: null },
  { lat: 0, lon: 0, ele: 0 },
  { lat: null, lon: 12.5, ele: null },
  { lat: -0, lon: 1e-7, ele: 123456.789 },
  { lat: 0.1 + 0.2, lon: 1e21, ele: -5 },
];

/** Stores rows as they may sit in an older file (times out of today's accepted range included), under SQL. */
function store(
  t: TestCore,
  feed: FeedRow,
  rows: Array<{ value: string; lat: number | null; lon: number | null; ele: number | null; createdAt: number }>,
) {
  const insert = t.db.$client.prepare(
    'INSERT INTO data (id, feed_id, user_id, value, lat, lon, ele, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  rows.forEach((r, i) => {
    const id = `0${String(i).padStart(25, '0')}`;
    insert.run(id, feed.id, feed.userId, r.value, r.lat, r.lon, r.ele, r.createdAt, r.createdAt);
  });
}

function expectSameAsDatumJson(t: TestCore, feed: FeedRow, q: Parameters<TestCore['core']['data']['page']>[1]) {
  const days = t.config.retentionDays;
  const page = t.core.data.pageText(feed, q);
  const { rows, more } = t.core.data.page(feed, q);
  const expected = Buffer.from(JSON.stringify(rows.map((r) => datumJson(r, feed.key, days))));
  expect(page.body.toString()).toBe(expected.toString());
  expect(page.body.equals(expected)).toBe(true);
  expect(page.count).toBe(rows.length);
  expect(page.more).toBe(more);
  expect(page.lastId).toBe(rows.at(-1)?.id);
  return page;
}

for (const retentionDays of [30, 0]) {
  const it = coreTestWith({ fakeClock: true, config: { retentionDays } });
  describe(`Data.pageText (retention ${retentionDays} days)`, () => {
    it('writes the bytes of JSON.stringify(datumJson(...)) for tricky values, places and times', ({ t }) => {
      const feed = t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name: 'My Feed_1', key: 'my-feed.x' });
      const times = [Date.parse('2026-01-15T12:34:56.789Z'), 0, -1, 999, Date.parse('9999-12-31T23:59:59.999Z'), -1e15, 1e15];
      const rows = [];
      for (const value of VALUES) for (const loc of LOCATIONS) for (const createdAt of times) rows.push({ value, ...loc, createdAt });
      store(t, feed, rows);
      const page = expectSameAsDatumJson(t, feed, { limit: 1000 });
      expect(page.count).toBe(rows.length);
      expect(JSON.parse(page.body.toString())[0]).toMatchObject({ feed_key: feed.key, feed_id: feed.id });
    });

    it('pages by cursor with the same bytes, an empty page as []', ({ t }) => {
      const { feed } = t.core.data.createOrAutoCreate(
        t.alice.user,
        'temp',
        Array.from({ length: 25 }, (_, i) => ({ value: `v${i} "q"`, lat: i % 2 ? 1.5 : null, lon: null, ele: null })),
      );
      const first = expectSameAsDatumJson(t, feed, { limit: 10 });
      expect(first.more).toBe(true);
      const second = expectSameAsDatumJson(t, feed, { limit: 10, beforeId: first.lastId });
      const third = expectSameAsDatumJson(t, feed, { limit: 10, beforeId: second.lastId });
      expect(third).toMatchObject({ count: 5, more: false });
      const empty = expectSameAsDatumJson(t, feed, { limit: 10, beforeId: '0' });
      expect(empty.body.toString()).toBe('[]');
      expect(empty.lastId).toBeUndefined();
    });

    it('writes a page bigger than the scratch it starts with, then a small one', ({ t }) => {
      const feed = t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name: 'long' });
      store(
        t,
        feed,
        Array.from({ length: 1000 }, (_, i) => ({
          value: `${'é"\\'.repeat(300)}${i}`,
          lat: null,
          lon: null,
          ele: null,
          createdAt: i * 1000,
        })),
      );
      const big = expectSameAsDatumJson(t, feed, { limit: 1000 });
      expect(big.body.length).toBeGreaterThan(1024 * 1024);
      expectSameAsDatumJson(t, feed, { limit: 3 });
    });
  });
}
