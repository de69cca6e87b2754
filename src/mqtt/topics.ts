// MQTT topic grammar (compat-notes §3.2). Pure: no broker, no database.
//
//   {user}/feeds|f/{ident}[/json|/csv][/get]
//   {user}/groups|g/{ident}[/json|/csv][/get]
//   {user}/errors   {user}/throttle
//   time/seconds|millis|ISO-8601|hours
//   {user}/integration|integrations/weather/{id}/{type}
//   {user}/integration|integrations/air_quality/{id}/{type}
//   {user}/integration|integrations/words/{id}
//
// `ident` is a feed/group key, a `group.feed` key or a name (names may contain spaces).
// The first level `time` is reserved for the time topics: it is never read as a username.
// Matching of literal levels is case-sensitive.
import { AIR_QUALITY_TYPES, WEATHER_TYPES } from '../core/integrations/provider.js';

export type FeedAlias = 'feeds' | 'f';
export type GroupAlias = 'groups' | 'g';
/** Format as written in the topic; `plain` means no suffix. */
export type TopicFormat = 'plain' | 'json' | 'csv';
export type TimeUnit = 'seconds' | 'millis' | 'ISO-8601' | 'hours';
export type IntegrationService = 'weather' | 'air_quality' | 'words';

export interface FeedTopic {
  kind: 'feed';
  user: string;
  alias: FeedAlias;
  ident: string;
  format: TopicFormat;
  get: boolean;
}

export interface GroupTopic {
  kind: 'group';
  user: string;
  alias: GroupAlias;
  ident: string;
  /** `plain` when there is no suffix; use groupFormat() for the effective format (json). */
  format: TopicFormat;
  get: boolean;
}

export interface ErrorsTopic {
  kind: 'errors';
  user: string;
}

export interface ThrottleTopic {
  kind: 'throttle';
  user: string;
}

export interface TimeTopic {
  kind: 'time';
  unit: TimeUnit;
}

export interface IntegrationTopic {
  kind: 'integration';
  user: string;
  /** Clients write `integration`, the docs `integrations`; both are accepted. */
  spelling: 'integration' | 'integrations';
  service: IntegrationService;
  id: string;
  /** Forecast type for weather / air_quality, null for words. */
  type: string | null;
}

export type ParsedTopic = FeedTopic | GroupTopic | ErrorsTopic | ThrottleTopic | TimeTopic | IntegrationTopic;

export interface FilterInfo {
  /** The user whose namespace the filter is confined to; null for time filters and for filters starting with a wildcard. */
  user: string | null;
  /** True when the filter can only match `time/*` topics. */
  isTime: boolean;
  /** True when the filter contains `+` or `#`. */
  wildcard: boolean;
}

export const TIME_UNITS: readonly TimeUnit[] = ['seconds', 'millis', 'ISO-8601', 'hours'];

// The forecast names of weather and air quality topics are the core's (core/integrations/provider.ts).
export { AIR_QUALITY_TYPES, WEATHER_TYPES };

const TIME_SET: ReadonlySet<string> = new Set(TIME_UNITS);
const WEATHER_SET: ReadonlySet<string> = new Set(WEATHER_TYPES);
const AIR_QUALITY_SET: ReadonlySet<string> = new Set(AIR_QUALITY_TYPES);

/** A username level: non-empty, not the reserved `time`, not a `$` system topic, no wildcard. */
function isUserLevel(level: string): boolean {
  return level !== '' && level !== 'time' && level[0] !== '$' && !hasWildcardChar(level);
}

/** A feed/group identifier level: not blank, no wildcard. */
function isIdentLevel(level: string): boolean {
  return level.trim() !== '' && !hasWildcardChar(level);
}

function hasWildcardChar(level: string): boolean {
  return level.includes('+') || level.includes('#');
}

function parseSuffix(rest: readonly string[]): { format: TopicFormat; get: boolean } | null {
  if (rest.length === 0) return { format: 'plain', get: false };
  if (rest.length === 1) {
    const [a] = rest;
    if (a === 'json' || a === 'csv') return { format: a, get: false };
    if (a === 'get') return { format: 'plain', get: true };
    return null;
  }
  if (rest.length === 2) {
    const [a, b] = rest;
    if ((a === 'json' || a === 'csv') && b === 'get') return { format: a, get: true };
  }
  return null;
}

/** Parses a concrete (PUBLISH) topic. Returns null for anything outside the grammar. */
export function parseTopic(topic: string): ParsedTopic | null {
  if (topic === '' || topic.includes('\u0000')) return null;
  const parts = topic.split('/');
  const first = parts[0];

  if (first === 'time') {
    if (parts.length === 2 && TIME_SET.has(parts[1])) return { kind: 'time', unit: parts[1] as TimeUnit };
    return null;
  }
  if (!isUserLevel(first) || parts.length < 2) return null;
  const user = first;
  const second = parts[1];

  if (parts.length === 2) {
    if (second === 'errors') return { kind: 'errors', user };
    if (second === 'throttle') return { kind: 'throttle', user };
    return null;
  }

  if (second === 'feeds' || second === 'f' || second === 'groups' || second === 'g') {
    const ident = parts[2];
    if (!isIdentLevel(ident)) return null;
    const suffix = parseSuffix(parts.slice(3));
    if (suffix === null) return null;
    if (second === 'feeds' || second === 'f') {
      return { kind: 'feed', user, alias: second, ident, format: suffix.format, get: suffix.get };
    }
    return { kind: 'group', user, alias: second, ident, format: suffix.format, get: suffix.get };
  }

  if (second === 'integration' || second === 'integrations') {
    const service = parts[2];
    const id = parts[3];
    if (id === undefined || !isIdentLevel(id)) return null;
    if (service === 'words') {
      if (parts.length !== 4) return null;
      return { kind: 'integration', user, spelling: second, service, id, type: null };
    }
    if (service === 'weather' || service === 'air_quality') {
      if (parts.length !== 5) return null;
      const type = parts[4];
      const allowed = service === 'weather' ? WEATHER_SET : AIR_QUALITY_SET;
      if (!allowed.has(type)) return null;
      return { kind: 'integration', user, spelling: second, service, id, type };
    }
    return null;
  }

  return null;
}

/** Effective format of a group topic: no suffix means JSON. */
export function groupFormat(format: TopicFormat): 'json' | 'csv' {
  return format === 'csv' ? 'csv' : 'json';
}

export function feedTopic(user: string, alias: FeedAlias, ident: string, format: TopicFormat): string {
  return format === 'plain' ? `${user}/${alias}/${ident}` : `${user}/${alias}/${ident}/${format}`;
}

export function groupTopic(user: string, alias: GroupAlias, ident: string, format: TopicFormat): string {
  return format === 'plain' ? `${user}/${alias}/${ident}` : `${user}/${alias}/${ident}/${format}`;
}

// ---------------------------------------------------------------------------------------------
// Subscription filters

/** Standard MQTT 3.1.1 filter syntax: `#` only as a whole last level, `+` only as a whole level. */
export function isValidFilter(filter: string): boolean {
  if (filter === '' || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
    if (level.includes('+') && level !== '+') return false;
  }
  return true;
}

// The grammar as a list of level shapes, used to decide whether a filter can match any valid topic.
type LevelMatcher = 'user' | 'ident' | ReadonlySet<string>;
type Shape = readonly LevelMatcher[];

const set = (...values: string[]): ReadonlySet<string> => new Set(values);
const FEED_ALIASES = set('feeds', 'f');
const GROUP_ALIASES = set('groups', 'g');
const FORMATS_OR_GET = set('json', 'csv', 'get');
const FORMATS = set('json', 'csv');
const GET = set('get');
const INTEGRATION = set('integration', 'integrations');

const USER_SHAPES: readonly Shape[] = [
  ...[FEED_ALIASES, GROUP_ALIASES].flatMap((aliases): Shape[] => [
    ['user', aliases, 'ident'],
    ['user', aliases, 'ident', FORMATS_OR_GET],
    ['user', aliases, 'ident', FORMATS, GET],
  ]),
  ['user', set('errors')],
  ['user', set('throttle')],
  ['user', INTEGRATION, set('weather'), 'ident', WEATHER_SET],
  ['user', INTEGRATION, set('air_quality'), 'ident', AIR_QUALITY_SET],
  ['user', INTEGRATION, set('words'), 'ident'],
];

const TIME_SHAPES: readonly Shape[] = [[set('time'), TIME_SET]];

function levelAccepts(matcher: LevelMatcher, level: string): boolean {
  if (matcher === 'user') return isUserLevel(level);
  if (matcher === 'ident') return isIdentLevel(level);
  return matcher.has(level);
}

function filterIntersects(levels: readonly string[], shape: Shape): boolean {
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level === '#') return true; // matches the remaining levels, or the parent itself
    if (i >= shape.length) return false;
    if (level !== '+' && !levelAccepts(shape[i], level)) return false;
  }
  return levels.length === shape.length;
}

/**
 * Classifies a SUBSCRIBE filter. Returns null when the filter is not valid MQTT or cannot match any
 * topic of the grammar (e.g. `u/foo/x`, `/u/feeds/x`, `$SYS/#`).
 */
export function parseFilter(filter: string): FilterInfo | null {
  if (!isValidFilter(filter)) return null;
  const levels = filter.split('/');
  const wildcard = levels.some((l) => l === '+' || l === '#');
  const first = levels[0];
  const matchesTime = TIME_SHAPES.some((s) => filterIntersects(levels, s));
  const matchesUser = USER_SHAPES.some((s) => filterIntersects(levels, s));

  if (first === '+' || first === '#') {
    if (!matchesTime && !matchesUser) return null;
    return { user: null, isTime: matchesTime && !matchesUser, wildcard };
  }
  if (first === 'time') {
    return matchesTime ? { user: null, isTime: true, wildcard } : null;
  }
  return matchesUser ? { user: first, isTime: false, wildcard } : null;
}
