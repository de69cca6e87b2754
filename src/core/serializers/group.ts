import type { GroupRow, UserRow } from '../types.js';
import { isoSeconds } from '../values.js';
import type { FeedJson } from './feed.js';
import { ownerJson } from './user.js';

export { groupRefJson } from './group-ref.js';

/** A group as a feed record names it (`group`, `groups`). */

/** A group record; `feeds` are its feeds' records, already serialized (see feedJson). */
export function groupJson(user: UserRow, group: GroupRow, feeds: readonly FeedJson[]) {
  return {
    username: user.username,
    owner: ownerJson(user),
    id: group.id,
    key: group.key,
    name: group.name,
    description: group.description,
    visibility: group.visibility,
    user_id: group.userId,
    created_at: isoSeconds(group.createdAt),
    updated_at: isoSeconds(group.updatedAt),
    feeds,
  };
}
