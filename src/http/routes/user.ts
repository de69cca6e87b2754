import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/core.js';

export async function userRoutes(app: FastifyInstance, { core }: { core: Core }) {
  app.get('/user', async (req) => core.serialize.user(req.user, core.groups.defaultGroup(req.user).id));

  /** Live figures of the limits, in the shape CircuitPython's get_user_rate_info reads. */
  app.get('/:username/throttle', async (req) => ({
    data_rate_limit: core.limiter.limitFor(req.user),
    active_data_rate: core.limiter.activeRate(req.user),
    ...core.bans.stats(req.user),
    sms_message_limit: 0,
  }));
}
