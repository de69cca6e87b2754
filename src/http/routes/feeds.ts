import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { bodyFields, queryFields } from '../body.js';
import { sendOk } from '../reply.js';

interface FeedParams {
  username: string;
  feedKey: string;
}

export async function feedRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get('/:username/feeds', async (req) => core.feedsJson(req.user, core.feeds.list(req.user)));

  app.post('/:username/feeds', async (req, reply) => {
    const groupKey = queryFields(req).group_key;
    const group = groupKey ? core.groups.resolve(req.user, groupKey) : core.groups.defaultGroup(req.user);
    const feed = core.feeds.create(req.user, group, bodyFields(req, 'feed'));
    return reply.code(201).send(core.feedsJson(req.user, [feed])[0]);
  });

  app.get<{ Params: FeedParams }>('/:username/feeds/:feedKey', async (req) =>
    core.feedsJson(req.user, [core.feeds.resolve(req.user, req.params.feedKey)])[0],
  );

  app.get<{ Params: FeedParams }>('/:username/feeds/:feedKey/details', async (req) => {
    const feed = core.feeds.resolve(req.user, req.params.feedKey);
    const json = core.feedsJson(req.user, [feed])[0]!;
    const { first, last } = core.data.ends(feed);
    return {
      ...json,
      details: {
        shared_with: [],
        data: {
          first: first ? core.serialize.datum(first, feed.key) : null,
          last: last ? core.serialize.datum(last, feed.key) : null,
          count: core.data.total(feed),
        },
      },
    };
  });

  const update = async (req: FastifyRequest<{ Params: FeedParams }>) => {
    const feed = core.feeds.resolve(req.user, req.params.feedKey);
    return core.feedsJson(req.user, [core.feeds.update(req.user, feed, bodyFields(req, 'feed'))])[0];
  };
  app.put<{ Params: FeedParams }>('/:username/feeds/:feedKey', update);
  app.patch<{ Params: FeedParams }>('/:username/feeds/:feedKey', update);

  app.delete<{ Params: FeedParams }>('/:username/feeds/:feedKey', async (req, reply) => {
    core.feeds.delete(req.user, core.feeds.resolve(req.user, req.params.feedKey));
    return sendOk(reply);
  });
}
