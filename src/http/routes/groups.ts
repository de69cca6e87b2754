import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { DatumInput } from '../../core/data.js';
import { feedNotFound, invalid } from '../../core/errors.js';
import { parseDatum } from '../../core/data.js';
import type { Config } from '../../config.js';
import { onSharedPath, writer } from '../auth.js';
import { bodyFields, queryFields } from '../body.js';
import { checkBatchLength } from '../limits.js';
import { sendOk } from '../reply.js';

interface GroupParams {
  username: string;
  groupKey: string;
}

/** `{feeds: [{key, value}]}` or `{feeds: {key: value}}`, sharing one location and created_at. */
function groupEntries(fields: Record<string, unknown>, config: Config): Array<{ key: string; datum: DatumInput }> {
  const raw = fields.feeds;
  let list: Array<Record<string, unknown>>;
  if (Array.isArray(raw)) list = raw as Array<Record<string, unknown>>;
  else if (raw && typeof raw === 'object') list = Object.entries(raw).map(([key, value]) => ({ key, value }));
  else throw invalid('Validation failed: feeds can\'t be blank; send {"feeds": [{"key": ..., "value": ...}]}');
  checkBatchLength(list.length, config);
  const shared = {
    location: fields.location,
    lat: fields.lat,
    lon: fields.lon,
    ele: fields.ele,
    created_at: fields.created_at,
    epoch: fields.epoch,
  };
  return list.map((entry) => {
    if (!entry || typeof entry !== 'object' || typeof entry.key !== 'string' || entry.key.trim() === '') {
      throw invalid('Validation failed: each feed needs a key');
    }
    return { key: entry.key.trim(), datum: parseDatum({ ...shared, ...entry, key: undefined }) };
  });
}

export async function groupRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const one = (req: FastifyRequest<{ Params: GroupParams }>) => core.groups.resolve(req.user, req.params.groupKey);
  const json = (req: FastifyRequest, group: ReturnType<Core['groups']['resolve']>) => core.groupsJson(req.user, [group], req.actor)[0];
  // Others read a group, and write its feeds' data, as its owner shared it (auth.ts).
  const READ = { config: { shared: 'read' as const } };
  const WRITE = { config: { shared: 'write' as const } };

  app.get('/:username/groups', READ, async (req) =>
    core.groupsJson(req.user, core.permissions.readable(req.actor, req.user, 'group', core.groups.list(req.user)), req.actor),
  );

  app.post('/:username/groups', async (req, reply) =>
    reply.code(201).send(json(req, core.groups.create(req.user, bodyFields(req, 'group')))),
  );

  app.get<{ Params: GroupParams }>('/:username/groups/:groupKey', READ, async (req) => json(req, one(req)));

  const update = async (req: FastifyRequest<{ Params: GroupParams }>) =>
    json(req, core.groups.update(req.user, one(req), bodyFields(req, 'group')));
  app.put<{ Params: GroupParams }>('/:username/groups/:groupKey', update);
  app.patch<{ Params: GroupParams }>('/:username/groups/:groupKey', update);

  app.delete<{ Params: GroupParams }>('/:username/groups/:groupKey', async (req, reply) => {
    core.groups.delete(req.user, one(req));
    return sendOk(reply);
  });

  const feedKeyOf = (req: FastifyRequest) => bodyFields(req).feed_key ?? queryFields(req).feed_key;
  app.post<{ Params: GroupParams }>('/:username/groups/:groupKey/add', async (req) => {
    const group = one(req);
    core.groups.addFeed(req.user, group, feedKeyOf(req));
    return json(req, core.groups.resolve(req.user, String(group.id)));
  });
  app.post<{ Params: GroupParams }>('/:username/groups/:groupKey/remove', async (req) => {
    const group = one(req);
    core.groups.removeFeed(req.user, group, feedKeyOf(req));
    return json(req, core.groups.resolve(req.user, String(group.id)));
  });

  app.get<{ Params: GroupParams }>('/:username/groups/:groupKey/feeds', READ, async (req) => {
    const group = one(req);
    return core.feedsJson(req.user, core.groups.feedsByGroup(req.user, group.id).get(group.id) ?? [], req.actor);
  });

  app.post<{ Params: GroupParams }>('/:username/groups/:groupKey/feeds', async (req, reply) => {
    const feed = core.feeds.create(req.user, one(req), bodyFields(req, 'feed'));
    return reply.code(201).send(core.feedsJson(req.user, [feed])[0]);
  });

  app.post<{ Params: GroupParams }>('/:username/groups/:groupKey/data', WRITE, async (req) => {
    const group = one(req);
    const entries = groupEntries(bodyFields(req, 'group'), core.config);
    // On another account's path, only to the group's existing feeds.
    const shared = onSharedPath(req)
      ? entries.map((e) => {
          const feed = core.feeds.findInGroup(req.user, group, e.key);
          if (!feed) throw feedNotFound(e.key, req.user.username);
          return { feed, datum: e.datum };
        })
      : undefined;
    const stored = await core.data.soon(() =>
      shared ? core.permissions.writeData(writer(req), req.user, shared) : core.data.createInGroup(req.user, group, entries),
    );
    core.metrics?.wrote('http', stored.length);
    return stored.map(({ feed, row }) => core.serialize.datum(row, feed.key));
  });
}
