import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/core.js';

export async function userRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get('/user', async (req) => core.serialize.user(req.user, core.groups.defaultGroup(req.user).id));
}
