import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { webhookJson } from '../../core/serializers/webhook.js';
import { webhookPath, type WebhookKind } from '../../core/webhooks.js';
import { badRequest } from '../../core/errors.js';
import { bodyFields } from '../body.js';
import { NOT_UTF8_TEXT } from '../parsers.js';
import { sendOk } from '../reply.js';

interface FeedParams {
  username: string;
  feedKey: string;
}

interface ReceiverParams extends FeedParams {
  id: string;
}

interface TokenParams {
  token: string;
}

/** Receivers are credentials: only the account key manages them, never a scoped token (see auth.ts). */
const KEY_ONLY = { keyOnly: true };
/** Posts to a receiver URL carry no key: the token in the path is the credential. */
const PUBLIC = { public: true };

/**
 * Webhook receivers: managed under a feed with the key, posted to without one at
 * `/webhooks/feed/{token}` (value or payload fields), `/raw` (the body) and `/notify` ("ping").
 */
export async function webhookRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const feedOf = (req: FastifyRequest<{ Params: FeedParams }>) => core.feeds.resolve(req.user, req.params.feedKey);
  const base = '/:username/feeds/:feedKey/webhooks';

  app.post<{ Params: FeedParams }>(base, { config: KEY_ONLY }, async (req) => {
    const { receiver, token } = core.webhooks.create(req.user, feedOf(req), bodyFields(req, 'webhook'));
    const url = `${req.protocol}://${req.host}/api/v2${webhookPath(token, receiver.kind)}`;
    return webhookJson(receiver, { token, url });
  });

  app.get<{ Params: FeedParams }>(base, { config: KEY_ONLY }, async (req) =>
    core.webhooks.list(req.user, feedOf(req)).map((r) => webhookJson(r)),
  );

  app.delete<{ Params: ReceiverParams }>(`${base}/:id`, { config: KEY_ONLY }, async (req, reply) => {
    core.webhooks.delete(core.webhooks.resolve(req.user, feedOf(req), req.params.id));
    return sendOk(reply);
  });

  const receive = (kind: WebhookKind) => async (req: FastifyRequest<{ Params: TokenParams }>) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : undefined;
    // The raw body is the value: bytes that are not UTF-8 would be stored altered (U+FFFD).
    if (kind === 'raw' && raw && !isUtf8(raw)) throw badRequest(NOT_UTF8_TEXT);
    const body = kind === 'data' ? { fields: bodyFields(req) } : { raw };
    const { feed, row } = await core.data.soon(() => core.webhooks.receive(req.params.token, kind, body));
    core.metrics?.wrote('webhook', 1);
    return core.serialize.datum(row, feed.key);
  };

  // JSON, form and multipart bodies, read by the app's parsers.
  app.post('/webhooks/feed/:token', { config: PUBLIC }, receive('data'));

  // `/raw` stores the body exactly as sent and `/notify` ignores it: in this scope every content type
  // (JSON and forms included) arrives as bytes, and nothing can fail to parse.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    raw.post('/webhooks/feed/:token/raw', { config: PUBLIC }, receive('raw'));
    raw.post('/webhooks/feed/:token/notify', { config: PUBLIC }, receive('notify'));
  });
}
