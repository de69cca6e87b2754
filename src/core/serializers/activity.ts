import type { ActivityRow, UserRow } from '../types.js';
import { isoSeconds } from '../values.js';
import { ownerJson } from './user.js';

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

/** The one activity serializer (compat-notes 2.1): `data` is the record as a JSON string. */
export function activityJson(user: UserRow, row: ActivityRow) {
  return {
    username: user.username,
    owner: ownerJson(user),
    id: row.id,
    action: row.action,
    model: row.model,
    data: row.data,
    user_id: row.userId,
    created_at: isoSeconds(row.createdAt),
    updated_at: isoSeconds(row.updatedAt),
  };
}
