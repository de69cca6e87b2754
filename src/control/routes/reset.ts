import type { FastifyInstance } from 'fastify';
import { AioError } from '../../core/errors.js';
import { bodyObject, type ControlRouteOptions } from '../server.js';

/** `disconnect`, if sent, must be a boolean. */
export function disconnectFlag(body: Record<string, unknown>): boolean {
  const v = body.disconnect;
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new AioError(400, 'bad request - disconnect must be true or false');
  return v;
}

export async function resetRoutes(app: FastifyInstance, { core }: ControlRouteOptions) {
  app.post('/_aio/reset', async (req) => {
    const body = bodyObject(req.body);
    const accounts = body.accounts ?? 'keep';
    if (accounts !== 'keep' && accounts !== 'delete') throw new AioError(400, 'bad request - accounts must be "keep" or "delete"');
    return core.reset.all({ accounts, disconnect: disconnectFlag(body) });
  });

  app.post<{ Params: { user: string } }>('/_aio/accounts/:user/reset', async (req) => {
    const disconnect = disconnectFlag(bodyObject(req.body));
    const user = core.reset.account(req.params.user, { disconnect });
    return { account: user.username, disconnected: disconnect };
  });
}
