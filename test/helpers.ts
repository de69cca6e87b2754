import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { loadConfig, type Config } from '../src/config.js';
import type { Clock } from '../src/core/clock.js';
import { Core } from '../src/core/core.js';
import type { UserRow } from '../src/core/types.js';
import { closeDb, openDb } from '../src/db/open.js';
import { buildApp } from '../src/http/app.js';

export interface TestAccount {
  user: UserRow;
  key: string;
  name: string;
}

/** A settable clock for time-dependent tests: nothing in the suite waits for the wall clock. */
export class FakeClock {
  constructor(public ms = Date.parse('2026-01-15T12:00:00Z')) {}
  readonly now: Clock = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function tempDir(prefix = 'aio-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(overrides: Partial<Config> = {}, dbPath?: string): Config {
  // The data rate limit is off unless a test turns it on: most tests write far more than 30 points a minute.
  return { ...loadConfig({}), port: 0, host: '127.0.0.1', mqttPort: 0, logLevel: 'silent', rateLimit: 0, ...overrides, ...(dbPath ? { dbPath } : {}) };
}

/**
 * The core on a real SQLite file in a temp folder, with two accounts (alice and bob) so every test
 * can check that one user cannot reach the other's data.
 */
export function makeCore(opts: { clock?: Clock; config?: Partial<Config> } = {}) {
  const tmp = tempDir();
  const config = testConfig(opts.config, join(tmp.dir, 'aio.sqlite'));
  // As the server opens it: a busy database is waited out by the write queue, never by blocking.
  const db = openDb(config.dbPath, { busyTimeoutMs: 0 });
  const core = new Core(db, config, opts.clock);
  const alice: TestAccount = { ...core.accounts.add('alice', 'alice-key-0123456789'), name: 'alice' };
  const bob: TestAccount = { ...core.accounts.add('bob', 'bob-key-0123456789'), name: 'bob' };
  return {
    core,
    /** The database itself, for tests that look underneath the core. */
    db,
    config,
    alice,
    bob,
    dir: tmp.dir,
    close() {
      core.stop();
      closeDb(db);
      tmp.cleanup();
    },
  };
}

export type TestCore = ReturnType<typeof makeCore>;

export interface TestApp extends TestCore {
  app: FastifyInstance;
  /** Injects a request; `as` picks whose key to send (default alice), `key: null` sends none. */
  req(
    method: InjectOptions['method'],
    url: string,
    opts?: { as?: TestAccount; key?: string | null; body?: unknown; headers?: Record<string, string>; form?: Record<string, string> },
  ): Promise<{ status: number; json: any; text: string; headers: Record<string, unknown> }>;
}

export async function makeApp(opts: { clock?: Clock; config?: Partial<Config> } = {}): Promise<TestApp> {
  const base = makeCore(opts);
  const app = await buildApp(base.core, { logLevel: 'silent' });
  await app.ready();
  const close = base.close;
  return {
    ...base,
    app,
    async req(method, url, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const key = o.key === undefined ? (o.as ?? base.alice).key : o.key;
      if (key !== null) headers['x-aio-key'] = key;
      let payload: string | undefined;
      if (o.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(o.form).toString();
      } else if (o.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        payload = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      }
      const res = await app.inject({ method, url, headers, payload });
      let json: unknown;
      try {
        json = res.body === '' ? undefined : JSON.parse(res.body);
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, json, text: res.body, headers: res.headers };
    },
    close() {
      void app.close();
      close();
    },
  };
}
