import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { parseDatum } from '../../core/data.js';
import { feedNotFound, invalid } from '../../core/errors.js';
import { DATA_FIELDS } from '../../core/serializers/datum.js';
import type { FeedRow } from '../../core/types.js';
import { csvLine } from '../../core/values.js';
import { onSharedPath, writer } from '../auth.js';
import { bodyFields, queryFields } from '../body.js';
import { checkBatchLength } from '../limits.js';
import { decodeCursor, encodeCursor, listWindow, setPageHeaders } from '../pagination.js';
import { sendOk } from '../reply.js';

interface Params {
  username: string;
  feedKey: string;
  groupKey?: string;
  id?: string;
}
type Req = FastifyRequest<{ Params: Params }>;

const JSON_TYPE = 'application/json; charset=utf-8';

function includeSet(raw: string | undefined): ReadonlySet<string> | undefined {
  if (!raw) return undefined;
  const wanted = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((f) => !(DATA_FIELDS as readonly string[]).includes(f));
  if (unknown.length) throw invalid(`include: unknown field ${unknown.join(', ')}; use ${DATA_FIELDS.join(', ')}`);
  return new Set(wanted);
}

/**
 * Data routes exist twice: under `feeds/{feed}` and under `groups/{group}/feeds/{feed}`, where the
 * feed is looked up inside the group.
 */
export async function dataRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const findFeed = (req: Req): FeedRow | undefined => {
    const { groupKey, feedKey } = req.params;
    if (groupKey === undefined) return core.data.findFeed(req.user, feedKey);
    return core.feeds.findInGroup(req.user, core.groups.resolve(req.user, groupKey), feedKey);
  };
  const feedOf = (req: Req): FeedRow => {
    const feed = findFeed(req);
    if (!feed) throw feedNotFound(req.params.feedKey, req.user.username);
    return feed;
  };
  const datumJson = (req: Req, feed: FeedRow, row: Parameters<Core['serialize']['datum']>[0]) =>
    core.serialize.datum(row, feed.key, includeSet(queryFields(req).include));

  /**
   * Writes create the feed on first use, as the hosted service does (inside the group on group
   * routes); on another account's path, only on a feed that exists and is shared for writing.
   */
  const write = (req: Req, inputs: ReturnType<typeof parseDatum>[]) => {
    const { groupKey, feedKey } = req.params;
    if (onSharedPath(req)) {
      const feed = feedOf(req);
      const stored = core.permissions.writeData(
        writer(req),
        req.user,
        inputs.map((datum) => ({ feed, datum })),
      );
      return { feed, rows: stored.map((s) => s.row) };
    }
    if (groupKey === undefined) return core.data.createOrAutoCreate(req.user, feedKey, inputs);
    return core.data.createInGroupFeed(req.user, core.groups.resolve(req.user, groupKey), feedKey, inputs);
  };

  const list = async (req: Req, reply: FastifyReply) => {
    const feed = feedOf(req);
    const q = queryFields(req);
    const { limit, startMs, endMs } = listWindow(q, core.now());
    let beforeId: string | undefined;
    if (q.before) {
      beforeId = decodeCursor(q.before);
      if (!beforeId) throw invalid('before: not a valid pagination token');
    }
    const include = includeSet(q.include);
    const carry: Record<string, string> = { limit: String(limit) };
    if (q.include) carry.include = q.include;
    const headers = (count: number, nextId: string | undefined) =>
      setPageHeaders(req, reply, {
        count,
        limit,
        total: core.data.total(feed, startMs, endMs),
        startMs,
        endMs,
        carry,
        nextCursor: nextId === undefined ? undefined : encodeCursor(nextId, feed.id),
      });
    if (!include) {
      // The records as JSON bytes, answered as they are (Fastify would stringify an array of objects again).
      const page = core.data.pageText(feed, { startMs, endMs, beforeId, limit });
      headers(page.count, page.more ? page.lastId : undefined);
      return reply.type(JSON_TYPE).send(page.body);
    }
    const { rows, more } = core.data.page(feed, { startMs, endMs, beforeId, limit });
    headers(rows.length, more ? rows[rows.length - 1]!.id : undefined);
    return rows.map((r) => core.serialize.datum(r, feed.key, include));
  };

  const create = async (req: Req) => {
    const datum = parseDatum(bodyFields(req, 'datum'), { rawJson: req.rawJson });
    // Group commit: answered once the transaction holding the point has committed.
    const { feed, rows } = await core.data.soon(() => write(req, [datum]));
    core.metrics?.wrote('http', rows.length);
    return datumJson(req, feed, rows[0]!);
  };

  const batch = async (req: Req) => {
    const body = req.body;
    const items = Array.isArray(body) ? body : (bodyFields(req) as { data?: unknown }).data;
    if (!Array.isArray(items) || items.length === 0) throw invalid('Validation failed: data must be a non-empty array of data records');
    checkBatchLength(items.length, core.config);
    const inputs = items.map((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) throw invalid(`Validation failed: data[${i}] must be a data record`);
      return parseDatum(item as Record<string, unknown>);
    });
    const { feed, rows } = await core.data.soon(() => write(req, inputs));
    core.metrics?.wrote('http', rows.length);
    return rows.map((r) => datumJson(req, feed, r));
  };

  const one = async (req: Req) => {
    const feed = feedOf(req);
    return datumJson(req, feed, core.data.get(feed, req.params.id!));
  };
  const update = async (req: Req) => {
    const feed = feedOf(req);
    return datumJson(req, feed, core.data.update(writer(req), feed, req.params.id!, bodyFields(req, 'datum')));
  };
  const remove = async (req: Req, reply: FastifyReply) => {
    core.data.delete(writer(req), feedOf(req), req.params.id!);
    return sendOk(reply);
  };
  const cursor = (move: 'first' | 'last' | 'next' | 'previous') => async (req: Req, reply: FastifyReply) => {
    if (move === 'last' && req.params.groupKey === undefined) {
      const include = queryFields(req).include;
      if (!include) {
        const text = core.data.lastText(req.user, req.params.feedKey);
        if (text === undefined) throw feedNotFound(req.params.feedKey, req.user.username);
        return reply.type(JSON_TYPE).send(text);
      }
      const hit = core.data.lastByIdent(req.user, req.params.feedKey);
      if (!hit) throw feedNotFound(req.params.feedKey, req.user.username);
      return datumJson(req, hit.feed, hit.row);
    }
    const feed = feedOf(req);
    return datumJson(req, feed, core.data[move](feed));
  };

  const retain = async (req: Req, reply: FastifyReply) => {
    const feed = feedOf(req);
    const last = core.data.latest(feed);
    const text = last ? csvLine(last.value, last.lat, last.lon, last.ele) : '';
    return reply.type('text/csv; charset=utf-8').send(text);
  };

  // Others read and write a feed's data as its owner shared it (auth.ts, core/permissions.ts).
  const READ = { config: { shared: 'read' as const } };
  const WRITE = { config: { shared: 'write' as const } };
  for (const base of ['/:username/feeds/:feedKey', '/:username/groups/:groupKey/feeds/:feedKey']) {
    app.get(`${base}/data`, READ, list);
    app.post(`${base}/data`, WRITE, create);
    app.post(`${base}/data/batch`, WRITE, batch);
    app.get(`${base}/data/first`, READ, cursor('first'));
    app.get(`${base}/data/last`, READ, cursor('last'));
    app.get(`${base}/data/next`, READ, cursor('next'));
    app.get(`${base}/data/previous`, READ, cursor('previous'));
    app.get(`${base}/data/prev`, READ, cursor('previous'));
    app.get(`${base}/data/retain`, READ, retain);
    app.get(`${base}/data/:id`, READ, one);
    app.put(`${base}/data/:id`, WRITE, update);
    app.patch(`${base}/data/:id`, WRITE, update);
    app.delete(`${base}/data/:id`, WRITE, remove);
  }
}
