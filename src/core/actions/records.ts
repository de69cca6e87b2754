// What an action record may say, and how it reads (compat-notes §2.1 Trigger).

import { EMAIL_RE } from '../../config.js';
import type { ActionAttrs, ActionRow } from '../../db/actions.js';
import { invalid } from '../errors.js';
import type { Fields } from '../feeds.js';
import type { FeedRow, UserRow } from '../types.js';
import { isoSeconds, toBool, toText, valueText } from '../values.js';
import { compileSchedule, normalizeSchedule } from './schedule.js';

export type { ActionRow } from '../../db/actions.js';
export type TriggerType = ActionRow['triggerType'];
export type OutputKind = ActionRow['action'];

/** The hosted service numbers its trigger types; the Ruby fixture shows 2 for reactive. */
const TYPE_IDS: Record<TriggerType, number> = { scheduled: 1, reactive: 2, timer: 3 };
const TYPES = Object.keys(TYPE_IDS) as TriggerType[];
const OUTPUTS: readonly OutputKind[] = ['feed', 'webhook', 'email'];

export type Comparison = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'ne';

/** Every spelling of a comparison clients send; the record keeps the spelling it was given. */
export const COMPARISONS: ReadonlyMap<string, Comparison> = new Map([
  ['gt', 'gt'],
  ['>', 'gt'],
  ['ge', 'gte'],
  ['gte', 'gte'],
  ['>=', 'gte'],
  ['lt', 'lt'],
  ['<', 'lt'],
  ['le', 'lte'],
  ['lte', 'lte'],
  ['<=', 'lte'],
  ['eq', 'eq'],
  ['=', 'eq'],
  ['==', 'eq'],
  ['ne', 'ne'],
  ['neq', 'ne'],
  ['!=', 'ne'],
  ['<>', 'ne'],
]);

const PHRASES: Record<Comparison, string> = {
  gt: 'greater than',
  gte: 'greater than or equal to',
  lt: 'less than',
  lte: 'less than or equal to',
  eq: 'equal to',
  ne: 'not equal to',
};

/** What a timer action waits for: its feed going offline, coming back online, or either. */
export const STATUS_EVENTS = ['offline', 'online', 'change'] as const;
export type StatusEvent = (typeof STATUS_EVENTS)[number];

const NUMBER_RE = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** The number a value spells, or undefined when it is text. */
export function numeric(text: string): number | undefined {
  return NUMBER_RE.test(text) ? Number(text) : undefined;
}

/** Numbers when both sides are numbers (`"30.0"` equals `"30"`), text otherwise. */
export function compare(op: Comparison, left: string, right: string): boolean {
  return compareParsed(op, left, numeric(left), right, numeric(right));
}

/** compare() with each side's number read once (a point is compared with many actions). */
export function compareParsed(
  op: Comparison,
  left: string,
  leftNum: number | undefined,
  right: string,
  rightNum: number | undefined,
): boolean {
  let order: number;
  if (leftNum !== undefined && rightNum !== undefined) order = leftNum < rightNum ? -1 : leftNum > rightNum ? 1 : 0;
  else order = left < right ? -1 : left > right ? 1 : 0;
  switch (op) {
    case 'gt':
      return order > 0;
    case 'gte':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'lte':
      return order <= 0;
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
  }
}

/** How the record's fields name feeds: by id (as the record shows them), key or name, the owner's only. */
export type FeedLookup = (ident: string) => FeedRow | undefined;

function feedField(fields: Fields, name: string, lookup: FeedLookup): number | null | undefined {
  if (!(name in fields)) return undefined;
  const v = fields[name];
  if (v === null || v === '' || v === undefined) return null;
  if (typeof v !== 'number' && typeof v !== 'string') throw invalid(`Validation failed: ${name} must be a feed id or key`);
  const feed = lookup(String(v));
  if (!feed) throw invalid(`Validation failed: ${name} names no feed of yours ("${String(v)}")`);
  return feed.id;
}

function textField(fields: Fields, name: string, max: number): string | null | undefined {
  if (!(name in fields)) return undefined;
  const v = fields[name];
  if (v === null || v === undefined) return null;
  const text = typeof v === 'object' ? valueText(v) : toText(v, name, max);
  if (text !== undefined && text !== null && text.length > max)
    throw invalid(`Validation failed: ${name} is too long (maximum is ${max} characters)`);
  return text ?? null;
}

function lowerField(fields: Fields, name: string): string | null | undefined {
  const v = textField(fields, name, 40);
  return typeof v === 'string' ? v.trim().toLowerCase() || null : v;
}

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid(`Validation failed: action_url "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid('Validation failed: action_url must be an http:// or https:// URL');
  return url.toString();
}

/**
 * The record an action would have after `fields` are applied to `current` (a create when absent):
 * every field validated, and the whole checked for its kind. Throws a 422 and changes nothing on
 * any fault. PUT and PATCH both merge: the Ruby client sends only the changed attributes with PUT.
 */
export function actionAttrs(
  fields: Fields,
  current: ActionRow | undefined,
  lookup: FeedLookup,
): Required<Pick<ActionAttrs, 'triggerType' | 'action'>> & ActionAttrs {
  const pick = <T>(v: T | undefined, was: T) => (v === undefined ? was : v);

  let type = lowerField(fields, 'trigger_type');
  if ((type === undefined || type === null) && 'trigger_type_id' in fields && fields.trigger_type_id !== null) {
    const id = Number(fields.trigger_type_id);
    type = TYPES.find((t) => TYPE_IDS[t] === id) ?? `id ${String(fields.trigger_type_id)}`;
  }
  const triggerType = (type ?? current?.triggerType ?? 'reactive') as string;
  if (!(TYPES as string[]).includes(triggerType)) {
    throw invalid(`Validation failed: trigger_type must be "reactive", "scheduled" or "timer", got "${triggerType}"`);
  }
  const action = (pick(lowerField(fields, 'action'), current?.action) ?? null) as string | null;
  if (action === null) throw invalid(`Validation failed: action can't be blank; use "feed", "webhook" or "email"`);
  if (!(OUTPUTS as string[]).includes(action))
    throw invalid(`Validation failed: action must be "feed", "webhook" or "email", got "${action}"`);

  const out = {
    triggerType: triggerType as TriggerType,
    action: action as OutputKind,
    feedId: pick(feedField(fields, 'feed_id', lookup), current?.feedId ?? null),
    operator: pick(lowerField(fields, 'operator'), current?.operator ?? null),
    value: pick(textField(fields, 'value', 1024), current?.value ?? null),
    toFeedId: pick(feedField(fields, 'to_feed_id', lookup), current?.toFeedId ?? null),
    schedule: pick(textField(fields, 'schedule', 200), current?.schedule ?? null),
    actionFeedId: pick(feedField(fields, 'action_feed_id', lookup), current?.actionFeedId ?? null),
    actionValue: pick(textField(fields, 'action_value', 102_400), current?.actionValue ?? null),
    actionUrl: pick(textField(fields, 'action_url', 2048), current?.actionUrl ?? null),
    actionEmail: pick(textField(fields, 'action_email', 254), current?.actionEmail ?? null),
    enabled: pick(toBool(fields.enabled, 'Enabled'), current?.enabled ?? true),
  };

  if (out.triggerType === 'reactive') {
    if (out.feedId === null) throw invalid("Validation failed: feed_id can't be blank for a reactive action");
    if (out.operator === null) throw invalid("Validation failed: operator can't be blank for a reactive action");
    if (!COMPARISONS.has(out.operator)) {
      throw invalid(`Validation failed: operator "${out.operator}" is not one of gt, ge (gte), lt, le (lte), eq, ne (neq)`);
    }
    if (out.toFeedId === null && out.value === null)
      throw invalid('Validation failed: a reactive action compares with value or with to_feed_id; give one');
  } else if (out.triggerType === 'timer') {
    if (out.feedId === null) throw invalid("Validation failed: feed_id can't be blank for a timer action");
    out.operator ??= 'offline';
    if (!(STATUS_EVENTS as readonly string[]).includes(out.operator)) {
      throw invalid(`Validation failed: a timer action's operator is "offline", "online" or "change", got "${out.operator}"`);
    }
  }
  if (out.triggerType !== 'scheduled') {
    out.schedule = null;
  } else {
    out.schedule = normalizeSchedule(out.schedule);
    if (out.actionValue === null && out.feedId === null) {
      throw invalid('Validation failed: a scheduled action needs action_value (or feed_id, whose last value it then sends)');
    }
  }

  if (out.action === 'feed' && out.actionFeedId === null)
    throw invalid("Validation failed: action_feed_id can't be blank for a feed action");
  if (out.action === 'webhook') {
    if (out.actionUrl === null || out.actionUrl.trim() === '')
      throw invalid("Validation failed: action_url can't be blank for a webhook action");
    out.actionUrl = checkUrl(out.actionUrl);
  }
  if (out.action === 'email') {
    if (out.actionEmail === null || !EMAIL_RE.test(out.actionEmail.trim())) {
      throw invalid(
        `Validation failed: action_email must be an email address for an email action, got ${out.actionEmail === null ? 'nothing' : `"${out.actionEmail}"`}`,
      );
    }
    out.actionEmail = out.actionEmail.trim();
  }
  return out;
}

function schedulePhrase(text: string): string {
  try {
    return compileSchedule(text, 'UTC', 0).phrase;
  } catch {
    // Stored under an older rule: shown as the text itself.
    return `On the schedule "${text}"`;
  }
}

/** A feed's name for descriptions; a feed deleted meanwhile (the action goes with it) reads as its id. */
export type FeedNames = (id: number) => string;

function quoted(v: string): string {
  return `"${v}"`;
}

/**
 * The sentence the hosted service puts in `description`:
 * `If Temp is greater than "30" then set Fan to "ON".`
 */
export function describe(row: ActionRow, name: FeedNames): string {
  const source = row.feedId === null ? undefined : name(row.feedId);
  const incoming = row.triggerType === 'scheduled' ? (source ? `the last value of ${source}` : 'nothing') : 'the incoming value';
  const what = row.actionValue === null ? incoming : quoted(row.actionValue);
  let then: string;
  if (row.action === 'feed') then = `set ${name(row.actionFeedId ?? 0)} to ${what}`;
  else if (row.action === 'webhook') then = `post ${what} to ${row.actionUrl}`;
  else then = `email ${what} to ${row.actionEmail}`;
  if (row.triggerType === 'scheduled') return `${schedulePhrase(row.schedule ?? '')}, ${then}.`;
  if (row.triggerType === 'timer') {
    const event =
      row.operator === 'online' ? 'comes back online' : row.operator === 'change' ? 'goes offline or comes back online' : 'goes offline';
    return `If ${source} ${event} then ${then}.`;
  }
  const op = COMPARISONS.get(row.operator ?? '') ?? 'eq';
  const against = row.toFeedId === null ? quoted(row.value ?? '') : `the last value of ${name(row.toFeedId)}`;
  return `If ${source} is ${PHRASES[op]} ${against} then ${then}.`;
}

/**
 * The one action serializer, in the order of the hosted record (Ruby fixture trigger.json); this
 * server's own fields (`schedule`, `action_url`, `action_email`) follow.
 */
export function actionJson(user: UserRow, row: ActionRow, description: string) {
  return {
    username: user.username,
    owner: { id: user.id, username: user.username },
    id: row.id,
    feed_id: row.feedId,
    operator: row.operator,
    created_at: isoSeconds(row.createdAt),
    updated_at: isoSeconds(row.updatedAt),
    value: row.value,
    action: row.action,
    to_feed_id: row.toFeedId,
    action_feed_id: row.actionFeedId,
    action_value: row.actionValue,
    trigger_type_id: TYPE_IDS[row.triggerType],
    enabled: row.enabled,
    trigger_type: row.triggerType,
    description,
    schedule: row.schedule,
    action_url: row.actionUrl,
    action_email: row.actionEmail,
  };
}
