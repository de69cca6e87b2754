// Fault rules of the test control plane (issue #18): plain data the HTTP and MQTT doors consult through
// their control hooks, which exist only while the control plane is on. A rule says which door, which
// account (or any, including logins that name no account), what to match (HTTP method and path glob;
// MQTT packet, direction and topic filter), what to do, and how often: skip the first `after` matches,
// apply at most `times` times, only for `ttl_ms` by the core clock, each time with `probability`.
// The core knows nothing of what an action means; the doors do.

import type { Clock } from './clock.js';
import { badRequest } from './errors.js';

export type FaultDoor = 'http' | 'mqtt';
export type FaultPhase = 'before' | 'after';

export interface FaultAction {
  type: string;
  [field: string]: unknown;
}

export interface FaultRule {
  id: string;
  account: string | null;
  door: FaultDoor;
  match: Record<string, string>;
  action: FaultAction;
  phase: FaultPhase;
  times: number | null;
  after: number;
  ttl_ms: number | null;
  probability: number;
  hits: number;
  /** Matches seen, counted before `after` and `probability` are applied. */
  seen: number;
  created_at: string;
  expires_at: string | null;
  /** Applied `times` times: it matches nothing any more, but stays listed with its hits. */
  spent: boolean;
}

/** What a door knows about a request or packet; a rule's match names some of these. */
export type FaultFacts = Partial<Record<'method' | 'path' | 'packet' | 'dir' | 'topic', string>>;

const MATCH_FIELDS: Record<FaultDoor, readonly string[]> = {
  http: ['method', 'path'],
  mqtt: ['packet', 'dir', 'topic'],
};

export const MQTT_PACKETS = [
  'connect',
  'connack',
  'publish',
  'puback',
  'pubrec',
  'pubrel',
  'pubcomp',
  'subscribe',
  'suback',
  'unsubscribe',
  'unsuback',
  'pingreq',
  'pingresp',
  'disconnect',
] as const;

const HTTP_ACTIONS = ['status', 'delay', 'drop', 'reset', 'truncate'];
const MQTT_ACTIONS = ['refuse', 'close', 'delay', 'omit_ack', 'drop', 'suback_failure', 'stall'];
/** A delay longer than this is a drop; a test that wants one should say so. */
const MAX_DELAY_MS = 600_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intField(o: Record<string, unknown>, name: string, label: string, min: number, max: number): number | null {
  const v = o[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw badRequest(`${label} must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** `*` stands for any characters but `/`, `**` for any characters at all; the rest is literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** MQTT filter semantics: `+` is one level, a final `#` is that level and everything below it. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The HTTP path a rule and a journal filter see: no `/api/v2` prefix, no query. */
export function apiPath(path: string): string {
  const q = path.indexOf('?');
  const p = q === -1 ? path : path.slice(0, q);
  return p.startsWith('/api/v2/') ? p.slice(7) : p === '/api/v2' ? '/' : p;
}

/** A compiled match: field → test; shared with the journal's filters. */
export type Matcher = (facts: Record<string, unknown>) => boolean;

export function compileMatch(match: Record<string, string>): Matcher {
  const tests: Array<(facts: Record<string, unknown>) => boolean> = [];
  for (const [field, want] of Object.entries(match)) {
    if (field === 'path') {
      const re = globToRegExp(apiPath(want));
      tests.push((f) => typeof f.path === 'string' && re.test(f.path));
    } else if (field === 'topic') {
      tests.push((f) => typeof f.topic === 'string' && topicMatches(want, f.topic));
    } else if (field === 'method') {
      const upper = want.toUpperCase();
      tests.push((f) => typeof f.method === 'string' && f.method.toUpperCase() === upper);
    } else {
      tests.push((f) => f[field] !== undefined && f[field] !== null && String(f[field]) === want);
    }
  }
  return (facts) => tests.every((t) => t(facts));
}

function validMatch(door: FaultDoor, raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw badRequest('match must be an object');
  const out: Record<string, string> = {};
  for (const [field, v] of Object.entries(raw)) {
    if (!MATCH_FIELDS[door].includes(field)) {
      throw badRequest(`match.${field} is not a ${door} match field (use ${MATCH_FIELDS[door].join(', ')})`);
    }
    if (typeof v !== 'string' || v === '') throw badRequest(`match.${field} must be a non-empty string`);
    out[field] = v;
  }
  if (out.packet !== undefined) {
    out.packet = out.packet.toLowerCase();
    if (!(MQTT_PACKETS as readonly string[]).includes(out.packet))
      throw badRequest(`match.packet must be one of ${MQTT_PACKETS.join(', ')}`);
  }
  if (out.dir !== undefined && out.dir !== 'in' && out.dir !== 'out') throw badRequest("match.dir must be 'in' or 'out'");
  if (out.path !== undefined && !out.path.startsWith('/')) throw badRequest('match.path must start with /');
  return out;
}

function validAction(door: FaultDoor, raw: unknown): FaultAction {
  if (!isObject(raw)) throw badRequest('action must be an object with a type');
  const type = raw.type;
  const known = door === 'http' ? HTTP_ACTIONS : MQTT_ACTIONS;
  if (typeof type !== 'string' || !known.includes(type))
    throw badRequest(`action.type must be one of ${known.join(', ')} for door ${door}`);
  const action: FaultAction = { type };
  if (type === 'delay') action.ms = intField(raw, 'ms', 'action.ms', 0, MAX_DELAY_MS) ?? badField('action.ms');
  if (type === 'truncate') action.bytes = intField(raw, 'bytes', 'action.bytes', 0, 1_000_000_000) ?? 0;
  if (type === 'refuse') action.return_code = intField(raw, 'return_code', 'action.return_code', 1, 255) ?? 5;
  if (type === 'status') {
    action.status = intField(raw, 'status', 'action.status', 200, 599) ?? badField('action.status');
    if (raw.headers !== undefined) {
      if (!isObject(raw.headers) || Object.values(raw.headers).some((v) => typeof v !== 'string' && typeof v !== 'number')) {
        throw badRequest('action.headers must be an object of strings');
      }
      action.headers = Object.fromEntries(Object.entries(raw.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    }
    if (raw.body !== undefined) action.body = raw.body;
  }
  return action;
}

function badField(name: string): never {
  throw badRequest(`${name} is required`);
}

export class Faults {
  private rules: FaultRule[] = [];
  private readonly matchers = new WeakMap<FaultRule, Matcher>();
  private nextId = 1;

  constructor(
    private readonly clock: Clock,
    /** Injected so tests decide what a probability draws. */
    private readonly random: () => number = Math.random,
  ) {}

  /** Validates a rule as the control API receives it (errors name the field) and adds it. */
  add(input: unknown): FaultRule {
    if (!isObject(input)) throw badRequest('the body must be a JSON object describing the rule');
    const door = input.door;
    if (door !== 'http' && door !== 'mqtt') throw badRequest("door must be 'http' or 'mqtt'");
    const account = input.account;
    if (account !== undefined && account !== null && (typeof account !== 'string' || account === '')) {
      throw badRequest('account must be a username or null (any)');
    }
    const given = input.phase ?? 'before';
    if (given !== 'before' && given !== 'after') throw badRequest("phase must be 'before' or 'after'");
    let phase: FaultPhase = given;
    const match = validMatch(door, input.match);
    const action = validAction(door, input.action);
    // These two act on one kind of packet only: the match says so, whatever else it names.
    const only = action.type === 'refuse' ? 'connect' : action.type === 'suback_failure' ? 'subscribe' : undefined;
    if (only !== undefined) {
      if (match.packet !== undefined && match.packet !== only) throw badRequest(`match.packet must be ${only} for action ${action.type}`);
      match.packet = only;
      match.dir = 'in';
    }
    // A truncated answer is one the route gave: the request has been carried out.
    if (door === 'http' && action.type === 'truncate') phase = 'after';
    const times = intField(input, 'times', 'times', 1, 1_000_000_000);
    const after = intField(input, 'after', 'after', 0, 1_000_000_000) ?? 0;
    const ttl = intField(input, 'ttl_ms', 'ttl_ms', 1, 10 * 365 * 86_400_000);
    const probability = input.probability ?? 1;
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))
      throw badRequest('probability must be a number from 0 to 1');
    const now = this.clock();
    const rule: FaultRule = {
      id: `f${this.nextId++}`,
      account: (account as string | undefined) ?? null,
      door,
      match,
      action,
      phase,
      times,
      after,
      ttl_ms: ttl,
      probability,
      hits: 0,
      seen: 0,
      created_at: new Date(now).toISOString(),
      expires_at: ttl === null ? null : new Date(now + ttl).toISOString(),
      spent: false,
    };
    this.rules.push(rule);
    this.matchers.set(rule, compileMatch(match));
    return rule;
  }

  list(): FaultRule[] {
    return [...this.rules];
  }

  get(id: string): FaultRule | undefined {
    return this.rules.find((r) => r.id === id);
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /** Whether any rule is there for the door: the doors skip building facts when none is. */
  any(door: FaultDoor): boolean {
    for (const r of this.rules) if (r.door === door && !r.spent) return true;
    return false;
  }

  /**
   * The first rule (oldest first) to apply to this request or packet, counting it as a hit; `phase`
   * limits the search to rules of that phase. `account` undefined is a login naming no account:
   * only rules for any account apply to it.
   */
  match(door: FaultDoor, account: string | undefined, facts: FaultFacts, phase?: FaultPhase): FaultRule | null {
    if (this.rules.length === 0) return null;
    let now: number | undefined;
    for (const rule of this.rules) {
      if (rule.door !== door || rule.spent) continue;
      if (rule.account !== null && rule.account !== account) continue;
      if (phase !== undefined && rule.phase !== phase) continue;
      if (rule.expires_at !== null) {
        now ??= this.clock();
        if (now >= Date.parse(rule.expires_at)) continue;
      }
      if (!this.matchers.get(rule)!(facts)) continue;
      rule.seen++;
      if (rule.seen <= rule.after) continue;
      if (rule.probability < 1 && !(this.random() < rule.probability)) continue;
      rule.hits++;
      if (rule.times !== null && rule.hits >= rule.times) rule.spent = true;
      return rule;
    }
    return null;
  }
}
