import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import type { DashboardRow } from '../../core/dashboards.js';
import { bodyFields } from '../body.js';
import { sendOk } from '../reply.js';

interface DashboardParams {
  username: string;
  dashboardKey: string;
}

interface BlockParams extends DashboardParams {
  blockId: string;
}

/** Dashboards, their blocks and their layouts. */
export async function dashboardRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const dashboard = (req: FastifyRequest<{ Params: DashboardParams }>) => core.dashboards.resolve(req.user, req.params.dashboardKey);
  const json = (req: FastifyRequest, d: DashboardRow, layouts = false) => core.dashboards.json(req.user, [d], { layouts })[0];
  const block = (req: FastifyRequest<{ Params: BlockParams }>) => {
    const d = dashboard(req);
    return core.blocks.resolve(req.user, d, req.params.blockId);
  };
  const blockJson = (req: FastifyRequest, b: ReturnType<Core['blocks']['resolve']>) => core.blocks.json(req.user, [b])[0];

  // Others read a dashboard and its blocks as its owner shared it (auth.ts).
  const READ = { config: { shared: 'read' as const } };

  app.get('/:username/dashboards', READ, async (req) =>
    core.dashboards.json(req.user, core.permissions.readable(req.actor, req.user, 'dashboard', core.dashboards.list(req.user))),
  );

  app.post('/:username/dashboards', async (req, reply) =>
    reply.code(201).send(json(req, core.dashboards.create(req.user, bodyFields(req, 'dashboard')))),
  );

  app.get<{ Params: DashboardParams }>('/:username/dashboards/:dashboardKey', READ, async (req) => json(req, dashboard(req), true));

  const update = async (req: FastifyRequest<{ Params: DashboardParams }>) =>
    json(req, core.dashboards.update(req.user, dashboard(req), bodyFields(req, 'dashboard')));
  app.put<{ Params: DashboardParams }>('/:username/dashboards/:dashboardKey', update);
  app.patch<{ Params: DashboardParams }>('/:username/dashboards/:dashboardKey', update);

  app.delete<{ Params: DashboardParams }>('/:username/dashboards/:dashboardKey', async (req, reply) => {
    core.dashboards.delete(dashboard(req));
    return sendOk(reply);
  });

  app.post<{ Params: DashboardParams }>('/:username/dashboards/:dashboardKey/update_layouts', async (req) => {
    const d = core.dashboards.updateLayouts(dashboard(req), bodyFields(req, 'dashboard').layouts);
    return json(req, d, true);
  });

  app.get<{ Params: DashboardParams }>('/:username/dashboards/:dashboardKey/blocks', READ, async (req) =>
    core.blocks.json(req.user, core.blocks.list(req.user, dashboard(req))),
  );

  // 200, not 201: Arduino's AdafruitIO_Block::save() checks for exactly 200.
  app.post<{ Params: DashboardParams }>('/:username/dashboards/:dashboardKey/blocks', async (req) =>
    blockJson(req, core.blocks.create(req.user, dashboard(req), bodyFields(req, 'block'))),
  );

  app.get<{ Params: BlockParams }>('/:username/dashboards/:dashboardKey/blocks/:blockId', READ, async (req) => blockJson(req, block(req)));

  const updateBlock = async (req: FastifyRequest<{ Params: BlockParams }>) =>
    blockJson(req, core.blocks.update(req.user, block(req), bodyFields(req, 'block')));
  app.put<{ Params: BlockParams }>('/:username/dashboards/:dashboardKey/blocks/:blockId', updateBlock);
  app.patch<{ Params: BlockParams }>('/:username/dashboards/:dashboardKey/blocks/:blockId', updateBlock);

  app.delete<{ Params: BlockParams }>('/:username/dashboards/:dashboardKey/blocks/:blockId', async (req, reply) => {
    core.blocks.delete(block(req));
    return sendOk(reply);
  });
}
