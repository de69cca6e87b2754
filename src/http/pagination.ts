import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '../core/errors.js';
import { isDataId } from '../core/ids.js';
import { requireTime } from '../core/values.js';

/**
 * The `before` cursor is the hosted service's token: base64 of `{"time_id": <data id>, "feed_id": "<id>.0"}`.
 * Both base64 alphabets are accepted on the way in.
 */
export function encodeCursor(dataId: string, feedId: number): string {
  return Buffer.from(JSON.stringify({ time_id: dataId, feed_id: `${feedId}.0` })).toString('base64');
}

export function decodeCursor(token: string): string | undefined {
  try {
    const json = JSON.parse(Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as { time_id?: unknown };
    return typeof json.time_id === 'string' && isDataId(json.time_id) ? json.time_id : undefined;
  } catch {
    return undefined;
  }
}

/** `2019-05-03 17:35:13 UTC`, the form Rails puts in the Link header's end_time (ms kept when present). */
function railsTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('.000Z', 'Z').replace('Z', ' UTC');
}

/** `2019-05-03T17:35:13.637+0000`, the form of X-Pagination-Start/End. */
function headerTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export interface PageInfo {
  count: number;
  limit: number;
  total: number;
  startMs?: number;
  /** The end bound the page was read with: the request's end_time or the request time. */
  endMs: number;
  /** Query parameters that carry over to the next page (start_time, limit, include...). */
  carry: Record<string, string>;
  nextCursor?: string;
}

/**
 * Every list response carries the pagination headers and a Link header in Adafruit's form
 * `<self>;rel="next", <next>`: the Python client extracts the next page with the regex
 * `rel="next", <(.+?)>`, so the next part appears only when older records remain.
 */
export function setPageHeaders(req: FastifyRequest, reply: FastifyReply, info: PageInfo): void {
  const base = `${req.protocol}://${req.host}${req.url.split('?')[0]}`;
  const params = new URLSearchParams();
  if (info.startMs !== undefined) params.set('start_time', railsTime(info.startMs));
  params.set('end_time', railsTime(info.endMs));
  for (const [k, v] of Object.entries(info.carry)) params.set(k, v);
  const self = `${base}?${params}`;
  let link = `<${self}>`;
  if (info.nextCursor) {
    const next = new URLSearchParams({ before: info.nextCursor });
    for (const [k, v] of params) next.set(k, v);
    link += `;rel="next", <${base}?${next}>`;
  }
  reply.headers({
    'x-pagination-count': String(info.count),
    'x-pagination-limit': String(info.limit),
    'x-pagination-total': String(info.total),
    'x-pagination-start': info.startMs === undefined ? '' : headerTime(info.startMs),
    'x-pagination-end': headerTime(info.endMs),
    link,
  });
}

export const MAX_LIMIT = 1000;

/** The window every paginated list reads: `limit` (1 to 1000, default 1000), `start_time`, `end_time` (default now). */
export function listWindow(q: Record<string, string | undefined>, now: number): { limit: number; startMs?: number; endMs: number } {
  let limit = MAX_LIMIT;
  if (q.limit !== undefined && q.limit !== '') {
    if (!/^\d+$/.test(q.limit.trim()) || Number(q.limit) < 1)
      throw invalid(`limit must be a whole number from 1 to ${MAX_LIMIT}, got "${q.limit}"`);
    limit = Math.min(Number(q.limit), MAX_LIMIT);
  }
  const startMs = q.start_time ? requireTime(q.start_time, 'start_time') : undefined;
  const endMs = q.end_time ? requireTime(q.end_time, 'end_time') : now;
  if (startMs !== undefined && startMs > endMs) throw invalid('start_time must be before end_time');
  return { limit, startMs, endMs };
}
