import type { ActionRow } from '../db/actions.js';
import { ActionEngine } from './actions/engine.js';
import { actionAttrs, actionJson, describe } from './actions/records.js';
import type { Ctx } from './context.js';
import type { Data } from './data.js';
import { notFound } from './errors.js';
import type { Feeds, Fields } from './feeds.js';
import { isNumericId } from './keys.js';
import type { UserRow } from './types.js';
import { isoSeconds } from './values.js';

export type { ActionRow } from '../db/actions.js';

/** One entry of a feed's `feed_status_changes`, in the hosted field order. */
export interface FeedStatusChangeJson {
  created_at: string;
  from_status: string;
  to_status: string;
  email_sent: boolean;
  email_sent_to: string | null;
}

/**
 * Actions (the hosted API's triggers): the records, for the routes, and the engine that runs them
 * (core/actions/engine.ts), which only core events and the clock drive. Every change of a record is
 * an activity (model `Trigger`) and is handed to the engine at once.
 */
export class Actions {
  readonly engine: ActionEngine;

  constructor(
    private readonly ctx: Ctx,
    private readonly feeds: Feeds,
    data: Data,
  ) {
    this.engine = new ActionEngine(ctx, data);
  }

  list(user: UserRow): ActionRow[] {
    return this.ctx.stores.actions.list(user.id);
  }

  resolve(user: UserRow, ident: string): ActionRow {
    const row = isNumericId(ident) ? this.ctx.stores.actions.byId(user.id, Number(ident)) : undefined;
    if (!row) throw notFound();
    return row;
  }

  create(user: UserRow, fields: Fields): ActionRow {
    const attrs = actionAttrs(fields, undefined, (ident) => this.feeds.find(user, ident));
    const now = this.ctx.clock();
    const row = this.ctx.stores.actions.insert({ ...attrs, userId: user.id, createdAt: now, updatedAt: now });
    this.ctx.events.emit('activity', { userId: user.id, action: 'create', model: 'Trigger', record: row });
    this.engine.resync(user);
    return row;
  }

  /** PUT and PATCH alike: the fields sent are merged into the record, and the whole is checked again. */
  update(user: UserRow, row: ActionRow, fields: Fields): ActionRow {
    const attrs = actionAttrs(fields, row, (ident) => this.feeds.find(user, ident));
    const updated = this.ctx.stores.actions.update(user.id, row.id, { ...attrs, updatedAt: this.ctx.clock() });
    if (!updated) throw notFound();
    this.ctx.events.emit('activity', { userId: user.id, action: 'update', model: 'Trigger', record: updated });
    this.engine.resync(user);
    return updated;
  }

  delete(user: UserRow, row: ActionRow): void {
    this.ctx.stores.actions.remove(user.id, row.id);
    this.ctx.events.emit('activity', { userId: user.id, action: 'delete', model: 'Trigger', record: row });
    this.engine.forget(row.id);
    this.engine.resync(user);
  }

  /** Records as the API shows them; the feed names a `description` needs are read once each. */
  json(user: UserRow, rows: ActionRow[]) {
    const names = new Map<number, string>();
    const name = (id: number) => {
      let n = names.get(id);
      if (n === undefined) names.set(id, (n = this.feeds.byIdFor(user, id)?.name ?? `feed ${id}`));
      return n;
    };
    return rows.map((row) => actionJson(user, row, describe(row, name)));
  }

  /** `feed_status_changes` of the user's feeds (or those listed), newest first, by feed. */
  statusChangesJson(user: UserRow, feedIds?: number[]): Map<number, FeedStatusChangeJson[]> {
    const out = new Map<number, FeedStatusChangeJson[]>();
    for (const c of this.ctx.stores.actions.statusChanges(user.id, feedIds)) {
      const json = {
        created_at: isoSeconds(c.createdAt),
        from_status: c.fromStatus,
        to_status: c.toStatus,
        email_sent: c.emailSent,
        email_sent_to: c.emailSentTo,
      };
      const list = out.get(c.feedId);
      if (list) list.push(json);
      else out.set(c.feedId, [json]);
    }
    return out;
  }

  /** Runs what the clock has made due (schedules, quiet feeds); the engine's timer calls it every second. */
  tick(): void {
    this.engine.tick();
  }

  /** Resolves once every point is evaluated and every output has finished (tests wait on it). */
  settled(): Promise<void> {
    return this.engine.settled();
  }

  start(): void {
    this.engine.start();
  }

  stop(): void {
    this.engine.stop();
  }
}
