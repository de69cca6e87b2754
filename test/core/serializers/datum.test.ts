import { describe, expect, it } from 'vitest';
import { DATA_FIELDS, datumJson } from '../../../src/core/serializers/datum.js';
import type { DataRow } from '../../../src/core/types.js';

const AT = Date.parse('2026-01-15T12:00:00.750Z');
const row = (over: Partial<DataRow> = {}): DataRow => ({
  id: '0KF4ZC3M00ABCDEFGHJKMNPQRS',
  feedId: 7,
  userId: 1,
  value: '21.5',
  lat: null,
  lon: null,
  ele: null,
  createdAt: AT,
  updatedAt: AT,
  ...over,
});

describe('datumJson (pure: row, feed key and retention in, record out)', () => {
  it('without coordinates: no location fields; expiration from the retention given', () => {
    expect(datumJson(row(), 'temp', 30)).toEqual({
      id: '0KF4ZC3M00ABCDEFGHJKMNPQRS',
      value: '21.5',
      feed_id: 7,
      feed_key: 'temp',
      created_at: '2026-01-15T12:00:00Z',
      created_epoch: Math.floor(AT / 1000),
      expiration: '2026-02-14T12:00:00Z',
    });
    expect(datumJson(row(), 'temp', 0).expiration).toBeNull();
  });

  it('with coordinates: every field, in DATA_FIELDS order, location as a GeoJSON point (lon, lat[, ele])', () => {
    const json = datumJson(row({ lat: 52.1, lon: 4.3, ele: 10 }), 'temp', 1);
    expect(Object.keys(json)).toEqual([...DATA_FIELDS]);
    expect(json.location).toEqual({ type: 'Feature', geometry: { type: 'Point', coordinates: [4.3, 52.1, 10] } });
    expect(datumJson(row({ lat: 52.1, lon: 4.3 }), 'temp', 1).location).toEqual({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [4.3, 52.1] },
    });
    // Elevation alone still makes a point; the missing coordinates show as 0 there and null in lat/lon.
    expect(datumJson(row({ ele: 3 }), 'temp', 1)).toMatchObject({
      location: { type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0, 3] } },
      lat: null,
      lon: null,
      ele: 3,
    });
  });

  it('include keeps only the fields named, in record order', () => {
    const json = datumJson(row({ lat: 1, lon: 2 }), 'temp', 30, new Set(['expiration', 'lat', 'value', 'nope']));
    expect(Object.keys(json)).toEqual(['value', 'lat', 'expiration']);
    expect(json).toEqual({ value: '21.5', lat: 1, expiration: '2026-02-14T12:00:00Z' });
  });
});
