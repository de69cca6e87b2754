// A typed client of the test control plane (issue #18) for the project's own tests: every control call
// over fetch, the way a test rig outside the process makes them. A refused call throws ControlError with
// the status and the server's message; a journal wait that runs out answers `matched: false` (the
// server's own shape) unless `waitFor` is used, which throws with what was seen.

export type Json = Record<string, unknown>;

export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    readonly call: string,
  ) {
    super(`${call}: ${status} ${serverMessage}`);
    this.name = 'ControlError';
  }
}

export interface ClockState {
  now: string;
  mode: 'system' | 'frozen' | 'offset';
  offset_ms?: number;
}

export interface FixtureDatum {
  value: string | number;
  created_at?: string;
  ago_ms?: number;
  lat?: number;
  lon?: number;
  ele?: number;
}

/** The account fixture PUT /_aio/accounts/{user} takes and export gives back; the server accepts more. */
export interface Fixture {
  key?: string;
  rate_limit?: number;
  feeds?: Array<{ key: string; name?: string; data?: FixtureDatum[] } & Json>;
  groups?: Json[];
  tokens?: Array<{
    key: string;
    readable?: boolean;
    createable?: boolean;
    updateable?: boolean;
    deleteable?: boolean;
    feed?: string;
    expiration?: string;
  }>;
  webhooks?: Array<{ feed: string; kind?: string; token: string }>;
  dashboards?: Json[];
  [more: string]: unknown;
}

export type HttpMatch = { method?: string; path?: string };
export type MqttMatch = { packet?: string; dir?: 'in' | 'out'; topic?: string };

export type HttpAction =
  | { type: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { type: 'delay'; ms: number }
  | { type: 'drop' }
  | { type: 'reset' }
  | { type: 'truncate'; bytes: number };

export type MqttAction =
  | { type: 'refuse'; return_code: number }
  | { type: 'close' }
  | { type: 'delay'; ms: number }
  | { type: 'omit_ack' }
  | { type: 'drop' }
  | { type: 'suback_failure' }
  | { type: 'stall' };

interface RuleLimits {
  /** Whose traffic it hits; absent: anyone's, unknown logins included. */
  account?: string;
  phase?: 'before' | 'after';
  times?: number;
  after?: number;
  ttl_ms?: number;
  probability?: number;
}

export type FaultSpec =
  | ({ door: 'http'; match?: HttpMatch; action: HttpAction } & RuleLimits)
  | ({ door: 'mqtt'; match?: MqttMatch; action: MqttAction } & RuleLimits);

export type FaultRule = FaultSpec & { id: string; hits: number } & Json;

export interface JournalEntry {
  seq: number;
  at: string;
  door: 'http' | 'mqtt';
  dir?: 'in' | 'out';
  client_id?: string | null;
  packet?: string;
  method?: string;
  path?: string;
  status?: number;
  topic?: string | null;
  qos?: number | null;
  payload?: string | null;
  fault: string | null;
  [more: string]: unknown;
}

export interface JournalPage {
  entries: JournalEntry[];
  next_since: number;
}

export interface WaitResult extends JournalPage {
  matched: boolean;
}

export type JournalMatch = Json & { door?: 'http' | 'mqtt' };

export interface JournalFilters {
  door?: 'http' | 'mqtt';
  packet?: string;
  dir?: 'in' | 'out';
  topic?: string;
  since?: number;
  /** At most this many (the server's default: 1000); a full page's next_since is its last entry. */
  limit?: number;
}

export interface Control {
  readonly url: string;
  reset(accounts?: 'keep' | 'delete'): Promise<Json>;
  resetAccount(user: string, opts?: { disconnect?: boolean }): Promise<Json>;
  /** Creates or replaces the account; answers the ids of what was made. */
  seed(user: string, fixture: Fixture): Promise<Record<string, unknown>>;
  exportAccount(user: string): Promise<Fixture>;
  clock: {
    get(): Promise<ClockState>;
    freeze(at?: string | Date | number): Promise<ClockState>;
    offset(ms: number): Promise<ClockState>;
    advance(ms: number): Promise<ClockState>;
    system(): Promise<ClockState>;
  };
  faults: {
    add(spec: FaultSpec): Promise<FaultRule>;
    list(): Promise<FaultRule[]>;
    get(id: string): Promise<FaultRule>;
    remove(id: string): Promise<Json>;
    clear(): Promise<Json>;
  };
  journal: {
    list(user: string, filters?: JournalFilters): Promise<JournalPage>;
    /** The server's answer as is: `matched: false` when the timeout passed first. */
    wait(user: string, match: JournalMatch, opts?: { count?: number; since?: number; timeoutMs?: number }): Promise<WaitResult>;
    /** Like `wait`, but throws (naming what matched so far) unless `count` entries matched. */
    waitFor(user: string, match: JournalMatch, opts?: { count?: number; since?: number; timeoutMs?: number }): Promise<JournalEntry[]>;
    count(user: string, match: JournalMatch, since?: number): Promise<number>;
    clear(user: string): Promise<Json>;
  };
}

/** A client of the control plane at `url` (e.g. `server.controlUrl`) with its bearer key. */
export function controlClient(url: string, key: string): Control {
  const base = url.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = { error: text };
    }
    if (!res.ok) {
      const message = (json as { error?: unknown }).error;
      throw new ControlError(res.status, typeof message === 'string' ? message : text, `${method} ${path}`);
    }
    return json as T;
  };
  const user = (u: string) => `/_aio/accounts/${encodeURIComponent(u)}`;
  const iso = (at: string | Date | number) => (typeof at === 'string' ? at : new Date(at).toISOString());

  const wait: Control['journal']['wait'] = (u, match, opts = {}) =>
    call<WaitResult>('POST', `${user(u)}/journal/wait`, {
      match,
      count: opts.count ?? 1,
      timeout_ms: opts.timeoutMs ?? 5000,
      ...(opts.since === undefined ? {} : { since: opts.since }),
    });

  return {
    url: base,
    reset: (accounts = 'keep') => call('POST', '/_aio/reset', { accounts }),
    resetAccount: (u, opts = {}) => call('POST', `${user(u)}/reset`, { disconnect: opts.disconnect ?? true }),
    seed: async (u, fixture) => (await call<{ ids?: Record<string, unknown> }>('PUT', user(u), fixture)).ids ?? {},
    exportAccount: (u) => call('GET', `${user(u)}/export`),
    clock: {
      get: () => call('GET', '/_aio/clock'),
      freeze: (at) => call('PUT', '/_aio/clock', at === undefined ? { mode: 'frozen' } : { mode: 'frozen', at: iso(at) }),
      offset: (ms) => call('PUT', '/_aio/clock', { mode: 'offset', offset_ms: ms }),
      advance: (ms) => call('POST', '/_aio/clock/advance', { ms }),
      system: () => call('DELETE', '/_aio/clock'),
    },
    faults: {
      add: (spec) => call('POST', '/_aio/faults', spec),
      list: async () => {
        const answer = await call<FaultRule[] | { faults: FaultRule[] }>('GET', '/_aio/faults');
        return Array.isArray(answer) ? answer : answer.faults;
      },
      get: (id) => call('GET', `/_aio/faults/${encodeURIComponent(id)}`),
      remove: (id) => call('DELETE', `/_aio/faults/${encodeURIComponent(id)}`),
      clear: () => call('DELETE', '/_aio/faults'),
    },
    journal: {
      list: (u, filters = {}) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(filters)) if (v !== undefined) q.set(k, String(v));
        const qs = q.toString();
        return call('GET', `${user(u)}/journal${qs ? `?${qs}` : ''}`);
      },
      wait,
      waitFor: async (u, match, opts = {}) => {
        const res = await wait(u, match, opts);
        if (!res.matched) {
          const seen = res.entries.map((e) => JSON.stringify(e)).join('\n  ');
          throw new Error(
            `journal of ${u}: waited for ${opts.count ?? 1} entries matching ${JSON.stringify(match)}, saw ${res.entries.length}:\n  ${seen}`,
          );
        }
        return res.entries;
      },
      count: async (u, match, since) =>
        (await call<{ count: number }>('POST', `${user(u)}/journal/count`, since === undefined ? { match } : { match, since })).count,
      clear: (u) => call('DELETE', `${user(u)}/journal`),
    },
  };
}
