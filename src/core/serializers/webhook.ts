import type { WebhookRow } from '../types.js';
import { isoSeconds } from '../values.js';

/** The one receiver serializer; `url` and `token` only in the creation answer. */
export function webhookJson(r: WebhookRow, secret?: { token: string; url: string }) {
  return {
    id: r.id,
    ...(secret ? { token: secret.token, url: secret.url } : {}),
    kind: r.kind,
    feed_id: r.feedId,
    created_at: isoSeconds(r.createdAt),
    updated_at: isoSeconds(r.updatedAt),
  };
}
