import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { invalid } from '../../core/errors.js';
import { DEFAULT_STRFTIME, isValidTimeZone, strftime, timeIso, timeMillis, timeSeconds, timeStruct } from '../../core/time.js';
import { queryFields } from '../body.js';

/** The time service devices use to set their clocks (`integrations/time/*`). */
export async function timeRoutes(app: FastifyInstance, { core }: { core: Core }) {
  /** The zone asked for, else the account's own. */
  const zone = (req: FastifyRequest): string => {
    const tz = queryFields(req).tz ?? req.user.timeZone;
    if (!isValidTimeZone(tz)) throw invalid(`unknown time zone "${tz}"; use an IANA name such as America/New_York`);
    return tz;
  };
  const text = (reply: FastifyReply, body: string) => reply.type('text/plain; charset=utf-8').send(body);
  const base = '/:username/integrations/time';

  app.get(`${base}/struct`, async (req) => timeStruct(core.now(), zone(req)));
  app.get(`${base}/strftime`, async (req, reply) => {
    const tz = zone(req);
    return text(reply, strftime(core.now(), queryFields(req).fmt ?? DEFAULT_STRFTIME, tz));
  });
  app.get(`${base}/seconds`, async (_req, reply) => text(reply, timeSeconds(core.now())));
  app.get(`${base}/millis`, async (_req, reply) => text(reply, timeMillis(core.now())));
  app.get(`${base}/ISO-8601`, async (_req, reply) => text(reply, timeIso(core.now())));
}
