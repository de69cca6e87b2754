import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { activityModel } from '../../core/activities.js';
import { invalid } from '../../core/errors.js';
import { activityJson } from '../../core/serializers/activity.js';
import type { ActivityModel } from '../../core/events.js';
import { queryFields } from '../body.js';
import { listWindow, setPageHeaders } from '../pagination.js';
import { sendOk } from '../reply.js';

/** The newest create, update and delete actions on the account, newest first, paginated like data. */
export async function activityRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const list = async (req: FastifyRequest, reply: FastifyReply, model?: ActivityModel) => {
    const q = queryFields(req);
    const { limit, startMs, endMs } = listWindow(q, core.now());
    let beforeId: number | undefined;
    if (q.before) {
      if (!/^\d+$/.test(q.before)) throw invalid('before: not a valid pagination token');
      beforeId = Number(q.before);
    }
    const { rows, more } = core.activities.page(req.user, { model, startMs, endMs, beforeId, limit });
    setPageHeaders(req, reply, {
      count: rows.length,
      limit,
      total: core.activities.total(req.user, { model, startMs, endMs }),
      startMs,
      endMs,
      carry: { limit: String(limit) },
      nextCursor: more ? String(rows[rows.length - 1]!.id) : undefined,
    });
    return rows.map((r) => activityJson(req.user, r));
  };

  app.get('/:username/activities', async (req, reply) => list(req, reply));
  app.get<{ Params: { username: string; type: string } }>('/:username/activities/:type', async (req, reply) =>
    list(req, reply, activityModel(req.params.type)),
  );
  app.delete('/:username/activities', async (req, reply) => {
    core.activities.clear(req.user);
    return sendOk(reply);
  });
}
