import { describe, expect, it } from 'vitest';
import { datumJson, datumText } from '../../../src/core/serializers/datum.js';
import type { DataRow } from '../../../src/core/types.js';

const base: DataRow = {
  id: '0F8K2M3N4P5Q6R7S8T9V0W1X2Y',
  feedId: 42,
  userId: 1,
  value: '21.5',
  lat: null,
  lon: null,
  ele: null,
  createdAt: Date.parse('2026-01-15T12:34:56.789Z'),
  updatedAt: 0,
};

const text = (row: DataRow, key: string, retentionDays: number) =>
  datumText(row.id, row.value, row.feedId, JSON.stringify(key), row.createdAt, row.lat, row.lon, row.ele, retentionDays);

describe('datumText', () => {
  it('writes exactly the bytes of JSON.stringify(datumJson(...)) for every shape of record', () => {
    const values = [
      '21.5',
      '',
      'say "hi"\\ now',
      'line\nbreak\ttab\u0001',
      'ünïcødé ✓ 🌡',
      'lone \ud800 surrogate',
      '{"json":[1,2]}',
      '</script>',
    ];
    const locations: Array<Pick<DataRow, 'lat' | 'lon' | 'ele'>> = [
      { lat: null, lon: null, ele: null },
      { lat: 42.36, lon: -71.06, ele: null },
      { lat: 0, lon: 0, ele: 0 },
      { lat: null, lon: 12.5, ele: null },
      { lat: -0, lon: 1e-7, ele: 123456.789 },
      { lat: null, lon: null, ele: 3 },
    ];
    const times = [base.createdAt, 0, Date.parse('1970-01-01T00:00:00.999Z'), Date.parse('9999-12-31T23:59:59Z'), -1e15];
    let n = 0;
    for (const value of values)
      for (const loc of locations)
        for (const createdAt of times)
          for (const days of [30, 0]) {
            const row = { ...base, value, ...loc, createdAt };
            expect(text(row, 'my.feed-1', days)).toBe(JSON.stringify(datumJson(row, 'my.feed-1', days)));
            n++;
          }
    expect(n).toBe(values.length * locations.length * times.length * 2);
  });

  it('differs when the record differs (no constant output)', () => {
    expect(text(base, 'a', 30)).not.toBe(text({ ...base, value: '22' }, 'a', 30));
    expect(JSON.parse(text(base, 'temp', 30))).toMatchObject({ value: '21.5', feed_key: 'temp', created_at: '2026-01-15T12:34:56Z' });
  });
});
