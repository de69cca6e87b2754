import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseChartQuery } from '../../core/chart/query.js';
import type { Core } from '../../core/core.js';
import { feedNotFound } from '../../core/errors.js';
import { queryFields } from '../body.js';

interface Params {
  username: string;
  feedKey: string;
  groupKey?: string;
}

/** `data/chart` on a feed, and on a feed inside a group. */
export async function chartRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const chart = async (req: FastifyRequest<{ Params: Params }>) => {
    const { groupKey, feedKey } = req.params;
    const feed =
      groupKey === undefined
        ? core.feeds.find(req.user, feedKey)
        : core.feeds.findInGroup(req.user, core.groups.resolve(req.user, groupKey), feedKey);
    if (!feed) throw feedNotFound(feedKey, req.user.username);
    return core.chart.chart(feed, parseChartQuery(queryFields(req), core.now()));
  };
  // Others read a feed's chart as its owner shared it (auth.ts).
  const READ = { config: { shared: 'read' as const } };
  app.get('/:username/feeds/:feedKey/data/chart', READ, chart);
  app.get('/:username/groups/:groupKey/feeds/:feedKey/data/chart', READ, chart);
}
