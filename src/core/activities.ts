import type { ActivityFilter } from '../db/activities.js';
import type { Ctx } from './context.js';
import { invalid } from './errors.js';
import type { ActivityEvent, ActivityModel } from './events.js';
import { recordJson } from './serializers/activity.js';
import type { ActivityRow, UserRow } from './types.js';

export type { ActivityRow } from './types.js';

/** `GET activities/{type}`: the model in any case, singular or plural. */
const MODELS: ReadonlyMap<string, ActivityModel> = new Map(
  (['Feed', 'Group', 'Dashboard', 'Block', 'Token', 'Trigger', 'Permission'] as const).flatMap((m) => [
    [m.toLowerCase(), m],
    [`${m.toLowerCase()}s`, m],
  ]),
);
// The documentation calls triggers "actions" (`activities/action`).
const ACTION_TYPES: ReadonlyMap<string, ActivityModel> = new Map([
  ['action', 'Trigger'],
  ['actions', 'Trigger'],
]);

export function activityModel(type: string): ActivityModel {
  const t = type.trim().toLowerCase();
  const model = MODELS.get(t) ?? ACTION_TYPES.get(t);
  if (!model) throw invalid(`"${type}" is not an activity type; use feed, group, dashboard, block, token, action or permission`);
  return model;
}

/** `beforeId` is the pagination cursor. */
export interface ActivityQuery extends ActivityFilter {
  model?: ActivityModel;
  limit: number;
}

/**
 * The newest create, update and delete actions per user, recorded from the core's `activity` event
 * (no route records anything itself). Each insert trims the user's list to `config.activityLimit`.
 */
export class Activities {
  constructor(private readonly ctx: Ctx) {
    ctx.events.on('activity', (e) => this.record(e));
  }

  record(e: ActivityEvent): void {
    // The write it describes is committed already: a failure here must not turn it into an error.
    try {
      const now = this.ctx.clock();
      const store = this.ctx.stores.activities;
      this.ctx.tx.run(() => {
        store.insert({ userId: e.userId, action: e.action, model: e.model, data: JSON.stringify(recordJson(e.record)), now });
        store.trim(e.userId, this.ctx.config.activityLimit);
      });
    } catch (err) {
      // Activities are a convenience log; losing one is better than failing the user's request. Said
      // on the error event (logged by the server), not swallowed.
      this.ctx.events.emit('error', { source: 'activity log', err });
    }
  }

  /** Newest first; one row more than asked tells whether older ones remain. */
  page(user: UserRow, q: ActivityQuery): { rows: ActivityRow[]; more: boolean } {
    const rows = this.ctx.stores.activities.newest(user.id, q, q.limit + 1);
    const more = rows.length > q.limit;
    if (more) rows.pop();
    return { rows, more };
  }

  total(user: UserRow, q: Omit<ActivityQuery, 'limit' | 'beforeId'>): number {
    return this.ctx.stores.activities.count(user.id, q);
  }

  /** Removes every activity of the user; returns how many went. */
  clear(user: UserRow): number {
    return this.ctx.stores.activities.clear(user.id);
  }
}
