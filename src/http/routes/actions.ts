import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { bodyFields } from '../body.js';
import { sendOk } from '../reply.js';

interface ActionParams {
  username: string;
  id: string;
}

/**
 * Actions, under both names the hosted service answers to: `/actions` (the documentation) and
 * `/triggers` (the OpenAPI file and the Ruby client). The body is `{"trigger": {...}}` or the
 * attributes themselves; PUT merges like PATCH (the Ruby client sends only what changed, with PUT).
 */
export async function actionRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const action = (req: FastifyRequest<{ Params: ActionParams }>) => core.actions.resolve(req.user, req.params.id);
  const one = (req: FastifyRequest, row: ReturnType<Core['actions']['resolve']>) => core.actions.json(req.user, [row])[0];

  for (const family of ['actions', 'triggers']) {
    const base = `/:username/${family}`;
    app.get(base, async (req) => core.actions.json(req.user, core.actions.list(req.user)));
    app.post(base, async (req) => one(req, core.actions.create(req.user, bodyFields(req, 'trigger'))));
    app.get<{ Params: ActionParams }>(`${base}/:id`, async (req) => one(req, action(req)));
    const update = async (req: FastifyRequest<{ Params: ActionParams }>) =>
      one(req, core.actions.update(req.user, action(req), bodyFields(req, 'trigger')));
    app.put<{ Params: ActionParams }>(`${base}/:id`, update);
    app.patch<{ Params: ActionParams }>(`${base}/:id`, update);
    app.delete<{ Params: ActionParams }>(`${base}/:id`, async (req, reply) => {
      core.actions.delete(req.user, action(req));
      return sendOk(reply);
    });
  }
}
