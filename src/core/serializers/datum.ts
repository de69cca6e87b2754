import type { DataRow } from '../types.js';
import { isoSeconds } from '../values.js';

/** Every field of a data record, in order; `include=` may name only these. */
export const DATA_FIELDS = [
  'id',
  'value',
  'feed_id',
  'feed_key',
  'created_at',
  'location',
  'lat',
  'lon',
  'ele',
  'created_epoch',
  'expiration',
] as const;

/**
 * A data record, as HTTP answers and MQTT `/json` topics carry it. `retentionDays` (0: kept for ever)
 * gives `expiration`; `include` keeps only the named fields (the `include=` query parameter).
 */
export function datumJson(row: DataRow, feedKey: string, retentionDays: number, include?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: row.id,
    value: row.value,
    feed_id: row.feedId,
    feed_key: feedKey,
    created_at: isoSeconds(row.createdAt),
  };
  if (row.lat !== null || row.lon !== null || row.ele !== null) {
    const coordinates = [row.lon ?? 0, row.lat ?? 0];
    if (row.ele !== null) coordinates.push(row.ele);
    out.location = { type: 'Feature', geometry: { type: 'Point', coordinates } };
    out.lat = row.lat;
    out.lon = row.lon;
    out.ele = row.ele;
  }
  out.created_epoch = Math.floor(row.createdAt / 1000);
  out.expiration = retentionDays > 0 ? isoSeconds(row.createdAt + retentionDays * 86_400_000) : null;
  if (!include) return out;
  const picked: Record<string, unknown> = {};
  for (const k of Object.keys(out)) if (include.has(k)) picked[k] = out[k];
  return picked;
}
