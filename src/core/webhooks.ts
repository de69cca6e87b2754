import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashKey } from './accounts.js';
import type { Ctx } from './context.js';
import { parseDatum, type Data, type DatumInput } from './data.js';
import { invalid, notFound } from './errors.js';
import type { Fields } from './feeds.js';
import { isNumericId } from './keys.js';
import type { DataRow, FeedRow, UserRow, WebhookRow } from './types.js';

export type { WebhookRow } from './types.js';
export type WebhookKind = WebhookRow['kind'];
export const WEBHOOK_KINDS: readonly WebhookKind[] = ['data', 'raw', 'notify'];

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const TOKEN_LENGTH = 28;

/** 28 base58 characters (about 164 random bits), the form of the hosted service's webhook tokens. */
export function generateWebhookToken(): string {
  let out = '';
  while (out.length < TOKEN_LENGTH) {
    for (const b of randomBytes(TOKEN_LENGTH)) {
      // 232 = 4 × 58 keeps the choice unbiased.
      if (b < 232 && out.length < TOKEN_LENGTH) out += BASE58[b % 58];
    }
  }
  return out;
}

/** The path a receiver answers on, below the API base (`/api/v2`). */
export function webhookPath(token: string, kind: WebhookKind): string {
  return `/webhooks/feed/${token}${kind === 'data' ? '' : `/${kind}`}`;
}

/** What a webhook request carried, as the HTTP door read it. */
export interface WebhookBody {
  /** Parsed fields (JSON, form or multipart), for `data`. */
  fields?: Fields;
  /** The body as received, for `raw`. */
  raw?: Buffer | string;
}

/** Cuts UTF-8 text to at most `bytes` bytes without splitting a character. */
function truncateUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

/**
 * Webhook receivers: capability URLs that write to one feed without a key. Every point they make
 * goes through `Data.create`, so the rate budget, chart rollups and the `data` event (MQTT fan-out)
 * apply exactly as for a keyed write.
 */
export class Webhooks {
  constructor(
    private readonly ctx: Ctx,
    private readonly data: Data,
  ) {}

  /** A new receiver on `feed`; the token is returned here and never again (only its hash is kept). */
  create(user: UserRow, feed: FeedRow, input: Fields): { receiver: WebhookRow; token: string } {
    let kind: WebhookKind = 'data';
    if (input.kind !== undefined && input.kind !== null && input.kind !== '') {
      const k = typeof input.kind === 'string' ? input.kind.trim().toLowerCase() : '';
      if (!(WEBHOOK_KINDS as readonly string[]).includes(k)) throw invalid('Validation failed: kind must be "data", "raw" or "notify"');
      kind = k as WebhookKind;
    }
    const token = generateWebhookToken();
    const now = this.ctx.clock();
    const receiver = this.ctx.stores.webhooks.insert({
      userId: user.id,
      feedId: feed.id,
      kind,
      tokenHash: hashKey(token),
      createdAt: now,
      updatedAt: now,
    });
    return { receiver, token };
  }

  list(user: UserRow, feed: FeedRow): WebhookRow[] {
    return this.ctx.stores.webhooks.list(user.id, [feed.id]);
  }

  /** The receivers of each feed (all the user's feeds, or the ones given), in one query. */
  byFeed(user: UserRow, feedIds?: number[]): Map<number, WebhookRow[]> {
    const out = new Map<number, WebhookRow[]>();
    for (const r of this.ctx.stores.webhooks.list(user.id, feedIds)) {
      const list = out.get(r.feedId);
      if (list) list.push(r);
      else out.set(r.feedId, [r]);
    }
    return out;
  }

  resolve(user: UserRow, feed: FeedRow, ident: string): WebhookRow {
    const row = isNumericId(ident) ? this.ctx.stores.webhooks.byId(user.id, feed.id, Number(ident)) : undefined;
    if (!row) throw notFound();
    return row;
  }

  delete(receiver: WebhookRow): void {
    this.ctx.stores.webhooks.remove(receiver.userId, receiver.id);
  }

  /** The receiver a token opens, with its feed and owner; undefined for an unknown or deleted one. */
  find(token: string): { receiver: WebhookRow; feed: FeedRow; user: UserRow } | undefined {
    if (!token) return undefined;
    const hash = hashKey(token);
    const found = this.ctx.stores.webhooks.withFeedByTokenHash(hash);
    if (!found) return undefined;
    return timingSafeEqual(Buffer.from(found.receiver.tokenHash, 'hex'), Buffer.from(hash, 'hex')) ? found : undefined;
  }

  /**
   * A post to a receiver URL. `data`: `value` (or `payload`) and optional lat/lon/ele from the fields;
   * `raw`: the body itself, cut to the feed's value size limit as the hosted service does; `notify`:
   * "ping", whatever was sent. Any receiver's token answers on all three paths.
   */
  receive(token: string, kind: WebhookKind, body: WebhookBody): { feed: FeedRow; row: DataRow } {
    const found = this.find(token);
    if (!found) throw notFound('not found - there is no webhook receiver with that token');
    const { feed, user } = found;
    let datum: DatumInput;
    if (kind === 'notify') {
      datum = { value: 'ping' };
    } else if (kind === 'raw') {
      const raw = body.raw === undefined ? '' : typeof body.raw === 'string' ? body.raw : body.raw.toString('utf8');
      if (raw === '') throw invalid("Validation failed: Value can't be blank (the request body is empty)");
      const limit = feed.history ? this.ctx.config.maxValueBytes : this.ctx.config.maxValueBytesNoHistory;
      datum = { value: truncateUtf8(raw, limit) };
    } else {
      const fields = body.fields ?? {};
      const value = fields.value ?? fields.payload;
      datum = parseDatum({ ...fields, value });
    }
    const [row] = this.data.create(user, feed, [datum]);
    return { feed, row: row! };
  }
}
