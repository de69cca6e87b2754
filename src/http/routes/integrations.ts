import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/core.js';
import { notFound } from '../../core/errors.js';
import type { IntegrationService } from '../../core/integrations/integrations.js';
import { bodyFields } from '../body.js';
import { sendOk } from '../reply.js';

interface UserParams {
  username: string;
}
interface RecordParams extends UserParams {
  id: string;
}
interface ForecastParams extends RecordParams {
  forecast: string;
}

/** Path segment and the wrapper CircuitPython puts around a create body (`{"weather": {...}}`). */
const SERVICES: ReadonlyArray<[IntegrationService, string]> = [
  ['words', 'randomizer'],
  ['weather', 'weather'],
  ['air_quality', 'air_quality'],
];

/**
 * Randomizers (`integrations/words`), weather and air quality (compat-notes §2.8). A randomizer's
 * list carries each current value (it costs nothing); weather and air-quality lists carry the records
 * only, as the hosted service does, and one record carries every forecast type.
 */
export async function integrationRoutes(app: FastifyInstance, { core }: { core: Core }) {
  for (const [service, wrapper] of SERVICES) {
    const base = `/:username/integrations/${service}`;

    app.get<{ Params: UserParams }>(base, async (req) => {
      const rows = core.integrations.list(req.user, service);
      if (service !== 'words') return rows.map((r) => core.integrations.json(r));
      return Promise.all(rows.map(async (r) => core.integrations.json(r, await core.integrations.values(req.user, r))));
    });

    app.get<{ Params: RecordParams }>(`${base}/:id`, async (req) => {
      const row = core.integrations.resolve(req.user, service, req.params.id);
      return core.integrations.json(row, await core.integrations.values(req.user, row));
    });

    app.post<{ Params: UserParams }>(base, async (req, reply) =>
      reply.code(201).send(core.integrations.json(core.integrations.create(req.user, service, bodyFields(req, wrapper)))),
    );

    app.delete<{ Params: RecordParams }>(`${base}/:id`, async (req, reply) => {
      core.integrations.delete(core.integrations.resolve(req.user, service, req.params.id));
      return sendOk(reply);
    });
  }

  // One forecast of an air-quality record: `current`, `forecast_today` or `forecast_tomorrow`.
  app.get<{ Params: ForecastParams }>('/:username/integrations/air_quality/:id/:forecast', async (req) => {
    const row = core.integrations.resolve(req.user, 'air_quality', req.params.id);
    const values = await core.integrations.values(req.user, row);
    const one = values[req.params.forecast];
    if (one === undefined)
      throw notFound(`air quality forecast "${req.params.forecast}" not found; use current, forecast_today or forecast_tomorrow`);
    return one;
  });
}
