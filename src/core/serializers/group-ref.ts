import type { GroupRow } from '../types.js';

/** How a feed record names its groups. */
export function groupRefJson(group: GroupRow) {
  return { id: group.id, key: group.key, name: group.name, user_id: group.userId };
}
