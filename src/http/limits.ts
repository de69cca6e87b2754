import type { Config } from '../config.js';
import { AioError } from '../core/errors.js';

/**
 * Body limits by route. Only bodies that carry data values may be large, and they are sized from the
 * value limits: a single value route has room for the largest value (100 KB, history off) in any
 * encoding a client uses (percent-encoding triples bytes), a batch for its cap of records at the
 * 1 KB history limit, JSON-escaped. Everything else gets `http.bodyBytes`: names, settings, layouts.
 * Before, 16 MB went everywhere, and one 850,000-record batch held the event loop for 9 s.
 */
export interface BodyLimits {
  other: number;
  value: number;
  batch: number;
}

/** Room for a record's other fields (`created_at`, `lat`, `lon`, `ele`, nulls) and the JSON around it. */
const RECORD_OVERHEAD = 512;

export function bodyLimits(config: Config): BodyLimits {
  const { bodyBytes, batchMaxItems } = config.http;
  return {
    other: bodyBytes,
    value: 3 * config.maxValueBytesNoHistory + 16 * 1024,
    batch: batchMaxItems * (2 * config.maxValueBytes + RECORD_OVERHEAD),
  };
}

const BATCH_ROUTE = /\/data\/batch$|\/groups\/:groupKey\/data$/;
const VALUE_ROUTE = /\/data(\/:id)?$|\/webhooks\/feed\/:token(\/raw)?$/;

/** The body limit of a route, from its URL pattern (`/api/v2/:username/feeds/:feedKey/data`). */
export function bodyLimitFor(url: string, limits: BodyLimits): number {
  if (BATCH_ROUTE.test(url)) return limits.batch;
  if (VALUE_ROUTE.test(url)) return limits.value;
  return limits.other;
}

/** A batch (data/batch, group data) longer than the cap: refused whole, before anything is read from it. */
export function checkBatchLength(length: number, config: Config): void {
  const cap = config.http.batchMaxItems;
  if (length > cap) throw new AioError(413, `request entity too large - a batch takes at most ${cap} records, this one has ${length}`);
}
