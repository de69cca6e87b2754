import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { test } from 'vitest';
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
  return {
    ...loadConfig({}),
    port: 0,
    host: '127.0.0.1',
    mqttPort: 0,
    logLevel: 'silent',
    rateLimit: 0,
    ...overrides,
    ...(dbPath ? { dbPath } : {}),
  };
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

// ---------------------------------------------------------------------------------------------
// Fixtures: `it(name, async ({ t }) => ...)` gets a handle made for that test and closed after it
// (even when the test fails), in place of the same `let t` + beforeEach + afterEach in every file.
// Plain files import `appTest as it`; a file or describe whose handle needs options makes its own
// `const it = appTestWith({ ... })`. Hooks that need the handle take it the same way:
// `it.beforeEach(async ({ t }) => ...)` is given the very handle the test then gets.

/** How a fixture makes its handle. */
export interface Setup {
  config?: Partial<Config>;
  /**
   * Run the handle on the `clock` fixture, a FakeClock new for each test, instead of the wall clock:
   * `true` starts it where FakeClock starts, a number at that time (ms).
   */
  fakeClock?: boolean | number;
}

/** A test API with fixtures `t` (made by `make` from `setup`, closed after the test) and `clock`. */
export function handleTest<T extends { close(): unknown }, S extends Setup>(
  setup: S,
  make: (opts: Omit<S, 'fakeClock'> & { clock?: Clock }) => T | Promise<T>,
) {
  const { fakeClock, ...opts } = setup;
  const fake = fakeClock !== undefined && fakeClock !== false;
  // Vitest reads a fixture's dependencies from its first parameter's destructuring, so the wall-clock
  // `t` has an empty one: it must not ask for `clock`, which refuses to exist there.
  return test.extend<{ clock: FakeClock; t: T }>({
    // biome-ignore lint/correctness/noEmptyPattern: Vitest requires the destructuring, even empty
    clock: async ({}, use) => {
      if (!fake) throw new Error('this test API runs on the wall clock; make it with { fakeClock: true } to get a clock');
      await use(new FakeClock(typeof fakeClock === 'number' ? fakeClock : undefined));
    },
    t: fake
      ? async ({ clock }, use) => {
          const t = await make({ ...opts, clock: clock.now });
          await use(t);
          await t.close();
        }
      : // biome-ignore lint/correctness/noEmptyPattern: as above
        async ({}, use) => {
          const t = await make(opts);
          await use(t);
          await t.close();
        },
  });
}

export const coreTestWith = (setup: Setup) => handleTest(setup, makeCore);
export const appTestWith = (setup: Setup) => handleTest(setup, makeApp);
/** `t` is `makeCore()`, on the wall clock. */
export const coreTest = coreTestWith({});
/** `t` is `makeApp()`, on the wall clock. */
export const appTest = appTestWith({});
