import type { FastifyInstance } from 'fastify';
import type { ControlRouteOptions } from '../route-options.js';

export async function accountRoutes(app: FastifyInstance, { core }: ControlRouteOptions) {
  // Creates or replaces the account from a fixture, in one transaction; a bad fixture changes nothing.
  app.put<{ Params: { user: string } }>('/_aio/accounts/:user', async (req) => ({ ids: core.fixtures.seed(req.params.user, req.body) }));

  app.get<{ Params: { user: string } }>('/_aio/accounts/:user/export', async (req) => core.fixtures.export(req.params.user));
}
