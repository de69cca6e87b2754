import type { FastifyInstance } from 'fastify';
import { AioError } from '../../core/errors.js';
import { bodyObject, type ControlRouteOptions } from '../route-options.js';

/** `disconnect`, if sent, must be a boolean. */
export function disconnectFlag(body: Record<string, unknown>): boolean {
  const v = body.disconnect;
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new AioError(400, 'bad request - disconnect must be true or false');
  return v;
}

export async function resetRoutes(app: FastifyInstance, { core, control }: ControlRouteOptions) {
  app.post('/_aio/reset', async (req) => {
    const body = bodyObject(req.body);
    const accounts = body.accounts ?? 'keep';
    if (accounts !== 'keep' && accounts !== 'delete') throw new AioError(400, 'bad request - accounts must be "keep" or "delete"');
    const done = core.reset.all({ accounts, disconnect: disconnectFlag(body) });
    // A reset server is a clean slate for the next test: no rule left armed, no traffic left to read.
    control.faults?.clear();
    control.journal?.clear();
    return done;
  });

  app.post<{ Params: { user: string } }>('/_aio/accounts/:user/reset', async (req) => {
    const disconnect = disconnectFlag(bodyObject(req.body));
    const user = core.reset.account(req.params.user, { disconnect });
    for (const rule of control.faults?.list() ?? []) if (rule.account === user.username) control.faults!.remove(rule.id);
    control.journal?.clear(user.username);
    return { account: user.username, disconnected: disconnect };
  });
}
