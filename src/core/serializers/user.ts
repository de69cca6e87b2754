import type { UserRow } from '../types.js';
import { isoSeconds } from '../values.js';

/** The account record (`GET /user`). */
export function userJson(user: UserRow, defaultGroupId: number) {
  return {
    id: user.id,
    name: user.name ?? user.username,
    color: user.color,
    username: user.username,
    role: 'user',
    default_group_id: defaultGroupId,
    default_dashboard_id: null,
    time_zone: user.timeZone,
    created_at: isoSeconds(user.createdAt),
    updated_at: isoSeconds(user.updatedAt),
  };
}

/** The `owner` of a feed, group or activity record. */
export function ownerJson(user: UserRow) {
  return { id: user.id, username: user.username };
}
