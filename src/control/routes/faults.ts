// Fault rules (issue #18): added, listed and removed here; the doors' control hooks apply them.

import type { FastifyInstance } from 'fastify';
import { AioError } from '../../core/errors.js';
import type { FaultRule, Faults } from '../../core/faults.js';
import type { ControlRouteOptions } from '../route-options.js';

/** A rule as the API shows it: `seen` is bookkeeping for `after`, kept out of the answer. */
function ruleJson({ seen: _seen, ...rule }: FaultRule) {
  return rule;
}

function missing(id: string): AioError {
  return new AioError(404, `not found - no fault rule ${id}`);
}

export async function faultRoutes(app: FastifyInstance, { control }: ControlRouteOptions) {
  const faults: Faults | undefined = control.faults;
  if (!faults) return;

  app.post('/_aio/faults', async (req, reply) => {
    let rule: FaultRule;
    try {
      rule = faults.add(req.body);
    } catch (err) {
      // The core names the field; the control API's errors all start alike.
      if (err instanceof AioError && err.status === 400) throw new AioError(400, `bad request - ${err.message}`);
      throw err;
    }
    return reply.code(201).send(ruleJson(rule));
  });

  app.get('/_aio/faults', async () => ({ faults: faults.list().map(ruleJson) }));

  app.delete('/_aio/faults', async () => {
    const removed = faults.list().length;
    faults.clear();
    return { removed };
  });

  app.get<{ Params: { id: string } }>('/_aio/faults/:id', async (req) => {
    const rule = faults.get(req.params.id);
    if (!rule) throw missing(req.params.id);
    return ruleJson(rule);
  });

  app.delete<{ Params: { id: string } }>('/_aio/faults/:id', async (req) => {
    const rule = faults.get(req.params.id);
    if (!rule || !faults.remove(rule.id)) throw missing(req.params.id);
    return ruleJson(rule);
  });
}
