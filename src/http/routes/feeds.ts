import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { bodyFields, queryFields } from '../body.js';
import { sendOk } from '../reply.js';

interface FeedParams {
  username: string;
  feedKey: string;
}

/** Others may read what the owner shared with them or made public (auth.ts). */
const READ = { config: { shared: 'read' as const } };

export async function feedRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get('/:username/feeds', READ, async (req) =>
    core.feedsJson(req.user, core.permissions.readable(req.actor, req.user, 'feed', core.feeds.list(req.user)), req.actor),
  );

  app.post('/:username/feeds', async (req, reply) => {
    const groupKey = queryFields(req).group_key;
    const group = groupKey ? core.groups.resolve(req.user, groupKey) : core.groups.defaultGroup(req.user);
    const feed = core.feeds.create(req.user, group, bodyFields(req, 'feed'));
    return reply.code(201).send(core.feedsJson(req.user, [feed])[0]);
  });

  app.get<{ Params: FeedParams }>(
    '/:username/feeds/:feedKey',
    READ,
    async (req) => core.feedsJson(req.user, [core.feeds.resolve(req.user, req.params.feedKey)], req.actor)[0],
  );

  app.get<{ Params: FeedParams }>('/:username/feeds/:feedKey/details', READ, async (req) => {
    const feed = core.feeds.resolve(req.user, req.params.feedKey);
    const json = core.feedsJson(req.user, [feed], req.actor)[0]!;
    const { first, last } = core.data.ends(feed);
    return {
      ...json,
      details: {
        // Whom the owner shares it with is the owner's business.
        shared_with: req.actor?.id === req.user.id ? core.permissions.sharedWith(req.user, feed) : [],
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
