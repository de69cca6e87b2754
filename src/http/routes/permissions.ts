import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { PERMISSION_TYPES } from '../../core/permissions.js';
import { bodyFields } from '../body.js';
import { sendOk } from '../reply.js';

type Params = Record<'username' | 'feedKey' | 'groupKey' | 'dashboardKey' | 'id', string>;
type Req = FastifyRequest<{ Params: Params }>;

/** Permissions give access to others: only the owner's account key manages them, never a token (auth.ts). */
const KEY_ONLY = { config: { keyOnly: true } };

const PARAM = { feed: 'feedKey', group: 'groupKey', dashboard: 'dashboardKey' } as const;

/**
 * The ACL routes, `{username}/{type}/{type_id}/acl[/{id}]` for feeds, groups and dashboards, the
 * object by key, id or name; the body `permission{mode, scope, scope_value}`, wrapped or not.
 */
export async function permissionRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const json = (row: Parameters<Core['permissions']['json']>[0]) => core.permissions.json(row);

  for (const [type, model] of Object.entries(PERMISSION_TYPES)) {
    const param = PARAM[model];
    const base = `/:username/${type}/:${param}/acl`;
    const object = (req: Req) => core.permissions.object(req.user, model, req.params[param]);
    const one = (req: Req) => {
      const ref = object(req);
      return { ref, row: core.permissions.resolve(req.user, ref, req.params.id) };
    };

    app.get<{ Params: Params }>(base, KEY_ONLY, async (req) => core.permissions.list(req.user, object(req)).map(json));

    app.post<{ Params: Params }>(base, KEY_ONLY, async (req) =>
      json(core.permissions.create(req.user, object(req), bodyFields(req, 'permission'))),
    );

    app.get<{ Params: Params }>(`${base}/:id`, KEY_ONLY, async (req) => json(one(req).row));

    const update = async (req: Req) => {
      const { ref, row } = one(req);
      return json(core.permissions.update(req.user, ref, row, bodyFields(req, 'permission')));
    };
    app.put<{ Params: Params }>(`${base}/:id`, KEY_ONLY, update);
    app.patch<{ Params: Params }>(`${base}/:id`, KEY_ONLY, update);

    app.delete<{ Params: Params }>(`${base}/:id`, KEY_ONLY, async (req, reply) => {
      const { ref, row } = one(req);
      core.permissions.delete(req.user, ref, row);
      return sendOk(reply);
    });
  }
}
