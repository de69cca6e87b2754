import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { bodyFields } from '../body.js';
import { sendOk } from '../reply.js';

interface TokenParams {
  username: string;
  id: string;
}

/** Tokens manage credentials: only the account key may use these routes, never a token (see auth.ts). */
const KEY_ONLY = { keyOnly: true };

/** Scoped tokens. The secret is in the creation answer (`key`) and never shown again. */
export async function tokenRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const token = (req: FastifyRequest<{ Params: TokenParams }>) => core.tokens.resolve(req.user, req.params.id);

  app.get('/:username/tokens', { config: KEY_ONLY }, async (req) => core.tokens.list(req.user).map((t) => core.serialize.token(t)));

  app.post('/:username/tokens', { config: KEY_ONLY }, async (req) => {
    const { token: row, secret } = core.tokens.create(req.user, bodyFields(req, 'token'));
    return core.serialize.tokenCreated(row, secret);
  });

  app.get<{ Params: TokenParams }>('/:username/tokens/:id', { config: KEY_ONLY }, async (req) => core.serialize.token(token(req)));

  const update = async (req: FastifyRequest<{ Params: TokenParams }>) =>
    core.serialize.token(core.tokens.update(req.user, token(req), bodyFields(req, 'token')));
  app.put<{ Params: TokenParams }>('/:username/tokens/:id', { config: KEY_ONLY }, update);
  app.patch<{ Params: TokenParams }>('/:username/tokens/:id', { config: KEY_ONLY }, update);

  app.delete<{ Params: TokenParams }>('/:username/tokens/:id', { config: KEY_ONLY }, async (req, reply) => {
    core.tokens.delete(req.user, token(req));
    return sendOk(reply);
  });
}
