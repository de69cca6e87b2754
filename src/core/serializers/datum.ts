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

const jsonNumber = (x: number) => (Number.isFinite(x) ? String(x) : 'null');

/**
 * The same record as `JSON.stringify(datumJson(...))`, written as text in one pass (no include):
 * a 1000-point page built this way skips 1000 intermediate objects and the generic stringify of
 * them, which a profile of `GET data` showed as a quarter of its time. `feedKeyJson` is the feed
 * key already JSON-quoted (once per page). test/core/serializers/datum-text.test.ts holds the two
 * to the same bytes.
 */
export function datumText(
  id: string,
  value: string,
  feedId: number,
  feedKeyJson: string,
  createdAt: number,
  lat: number | null,
  lon: number | null,
  ele: number | null,
  retentionDays: number,
): string {
  let out = `{"id":${JSON.stringify(id)},"value":${JSON.stringify(value)},"feed_id":${jsonNumber(feedId)},"feed_key":${feedKeyJson},"created_at":"${isoSeconds(createdAt)}"`;
  if (lat !== null || lon !== null || ele !== null) {
    const coordinates = `${jsonNumber(lon ?? 0)},${jsonNumber(lat ?? 0)}${ele !== null ? `,${jsonNumber(ele)}` : ''}`;
    out += `,"location":{"type":"Feature","geometry":{"type":"Point","coordinates":[${coordinates}]}}`;
    out += `,"lat":${lat === null ? 'null' : jsonNumber(lat)},"lon":${lon === null ? 'null' : jsonNumber(lon)},"ele":${ele === null ? 'null' : jsonNumber(ele)}`;
  }
  out += `,"created_epoch":${jsonNumber(Math.floor(createdAt / 1000))},"expiration":${retentionDays > 0 ? `"${isoSeconds(createdAt + retentionDays * 86_400_000)}"` : 'null'}}`;
  return out;
}
