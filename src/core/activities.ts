import { and, count, desc, eq, gte, lt, lte, sql, type InferSelectModel, type SQL } from 'drizzle-orm';
import { activities } from '../db/schema.js';
import type { Ctx } from './context.js';
import { invalid } from './errors.js';
import type { ActivityEvent, ActivityModel } from './events.js';
import type { UserRow } from './types.js';
import { isoSeconds } from './values.js';

export type ActivityRow = InferSelectModel<typeof activities>;

/** `GET activities/{type}`: the model in any case, singular or plural. */
const MODELS: ReadonlyMap<string, ActivityModel> = new Map(
  (['Feed', 'Group', 'Dashboard', 'Block', 'Token', 'Permission'] as const).flatMap((m) => [
    [m.toLowerCase(), m],
    [`${m.toLowerCase()}s`, m],
  ]),
);

export function activityModel(type: string): ActivityModel {
  const model = MODELS.get(type.trim().toLowerCase());
  if (!model) throw invalid(`"${type}" is not an activity type; use feed, group, dashboard, block, token or permission`);
  return model;
}

/** Row fields that hold times (ms) and are shown as ISO timestamps, as every record shows them. */
const TIME_FIELDS = new Set(['createdAt', 'updatedAt', 'lastValueAt', 'expiration']);
/** Never recorded, whatever a caller passes. */
const SECRET_FIELDS = new Set(['keyHash', 'secretHash', 'tokenHash']);

/**
 * A row as the record the hosted service stores in `data`: its attributes, snake_case, times as ISO,
 * JSON text columns (block properties) as objects.
 */
export function recordJson(row: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (SECRET_FIELDS.has(k)) continue;
    const name = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (TIME_FIELDS.has(k) && typeof v === 'number') out[name] = isoSeconds(v);
    else if (k === 'properties' && typeof v === 'string') out[name] = safeParse(v);
    else out[name] = v;
  }
  return out;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface ActivityQuery {
  model?: ActivityModel;
  startMs?: number;
  endMs?: number;
  /** Only activities with a smaller id (the pagination cursor). */
  beforeId?: number;
  limit: number;
}

/**
 * The newest create, update and delete actions per user, recorded from the core's `activity` event
 * (no route records anything itself). Each insert trims the user's list to `config.activityLimit`.
 */
export class Activities {
  private readonly insert;
  private readonly trim;

  constructor(private readonly ctx: Ctx) {
    const { db } = ctx;
    const userId = sql.placeholder('userId');
    this.insert = db
      .insert(activities)
      .values({
        userId,
        action: sql.placeholder('action'),
        model: sql.placeholder('model'),
        data: sql.placeholder('data'),
        createdAt: sql.placeholder('now'),
        updatedAt: sql.placeholder('now'),
      })
      .prepare();
    // Everything older than the user's newest `limit`, through the (user_id, id) index.
    const oldestKept = db
      .select({ id: activities.id })
      .from(activities)
      .where(eq(activities.userId, userId))
      .orderBy(desc(activities.id))
      .limit(1)
      .offset(sql.placeholder('limit'));
    this.trim = db
      .delete(activities)
      .where(and(eq(activities.userId, userId), lte(activities.id, sql`(${oldestKept})`)))
      .prepare();
    ctx.events.on('activity', (e) => this.record(e));
  }

  record(e: ActivityEvent): void {
    // The write it describes is committed already: a failure here must not turn it into an error.
    try {
      const now = this.ctx.clock();
      this.ctx.db.$client.transaction(() => {
        this.insert.run({ userId: e.userId, action: e.action, model: e.model, data: JSON.stringify(recordJson(e.record)), now });
        this.trim.run({ userId: e.userId, limit: this.ctx.config.activityLimit });
      })();
    } catch {
      // Activities are a convenience log; losing one is better than failing the user's request.
    }
  }

  private where(user: UserRow, q: Omit<ActivityQuery, 'limit'>): SQL | undefined {
    return and(
      eq(activities.userId, user.id),
      q.model ? eq(activities.model, q.model) : undefined,
      q.startMs !== undefined ? gte(activities.createdAt, q.startMs) : undefined,
      q.endMs !== undefined ? lte(activities.createdAt, q.endMs) : undefined,
      q.beforeId !== undefined ? lt(activities.id, q.beforeId) : undefined,
    );
  }

  /** Newest first; one row more than asked tells whether older ones remain. */
  page(user: UserRow, q: ActivityQuery): { rows: ActivityRow[]; more: boolean } {
    const rows = this.ctx.db
      .select()
      .from(activities)
      .where(this.where(user, q))
      .orderBy(desc(activities.id))
      .limit(q.limit + 1)
      .all();
    const more = rows.length > q.limit;
    if (more) rows.pop();
    return { rows, more };
  }

  total(user: UserRow, q: Omit<ActivityQuery, 'limit' | 'beforeId'>): number {
    return this.ctx.db.select({ n: count() }).from(activities).where(this.where(user, q)).get()?.n ?? 0;
  }

  /** Removes every activity of the user; returns how many went. */
  clear(user: UserRow): number {
    return this.ctx.db.delete(activities).where(eq(activities.userId, user.id)).run().changes;
  }

  /** The one activity serializer (compat-notes 2.1): `data` is the record as a JSON string. */
  json(user: UserRow, row: ActivityRow) {
    return {
      username: user.username,
      owner: { id: user.id, username: user.username },
      id: row.id,
      action: row.action,
      model: row.model,
      data: row.data,
      user_id: row.userId,
      created_at: isoSeconds(row.createdAt),
      updated_at: isoSeconds(row.updatedAt),
    };
  }
}
