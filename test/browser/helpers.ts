// Shared by the browser tests (npm run test:browser): a real server on loopback ports with a temp
// SQLite file and two accounts, a headless Chromium driven by playwright-core, signed-in pages, MQTT
// clients, and screenshots for the README.
//
//   const c = await startConsole();           // in beforeAll; c.close() in afterAll
//   const page = await c.signedInPage();      // alice, on #/feeds
//   await c.screenshot(page, 'feeds');        // docs/screenshots/feeds-light.png and -dark.png

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Config } from '../../src/config.js';
import { startServer, type Server } from '../../src/server.js';
import { tempDir, testConfig } from '../helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');

/** Debian's chromium, or chromium-headless-shell (its own package or Playwright's download). */
export function chromiumPath(): string {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-headless-shell',
    '/usr/lib/chromium/chromium-headless-shell',
    '/usr/bin/chromium-browser',
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('no Chromium found: apt-get install chromium (or set CHROMIUM_PATH)');
}

/** A clock that runs with the wall clock and can be pushed forward (idle timeouts, expirations). */
export class ShiftClock {
  offset = 0;
  readonly now = () => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

export const ALICE = { username: 'alice', key: 'alice-browser-key-0123456789' };
export const BOB = { username: 'bob', key: 'bob-browser-key-0123456789' };

export interface ConsoleTest {
  server: Server;
  /** `http://127.0.0.1:{port}` */
  url: string;
  clock: ShiftClock;
  /**
   * Uncaught exceptions and console errors of every page so far (CSP violations land here too);
   * tests assert on it, minus the failed loads they caused on purpose.
   */
  errors: string[];
  browser: Browser;
  /** A fresh browser context (own cookies) and page; closed with the handle. */
  newPage(opts?: { colorScheme?: 'light' | 'dark'; width?: number; height?: number }): Promise<Page>;
  /** Signs in through the sign-in form (alice's key by default) and waits for the feeds route. */
  signIn(page: Page, account?: { username: string; key: string }): Promise<void>;
  /** newPage() + signIn(). */
  signedInPage(account?: { username: string; key: string }): Promise<Page>;
  /** Fills the token form instead. */
  signInWithToken(page: Page, token: string): Promise<void>;
  /** An MQTT client on the server's TCP port, connected (alice by default); closed with the handle. */
  mqttClient(account?: { username: string; key: string }, opts?: IClientOptions): Promise<MqttClient>;
  /** A call to the HTTP API with the account key (alice by default): for setting things up. */
  api(method: string, path: string, body?: unknown, account?: { username: string; key: string }): Promise<{ status: number; json: any }>;
  /** Writes docs/screenshots/{name}-light.png and -dark.png of the page as it is now. */
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startConsole(opts: { config?: Partial<Config>; heartbeatMs?: number } = {}): Promise<ConsoleTest> {
  const tmp = tempDir('aio-browser-');
  const clock = new ShiftClock();
  const config = testConfig({ username: ALICE.username, key: ALICE.key, extraUsers: [BOB], ...opts.config }, join(tmp.dir, 'aio.sqlite'));
  const server = await startServer(config, { clock: clock.now, log: () => {}, consoleHeartbeatMs: opts.heartbeatMs ?? 200 });
  const url = server.httpUrl;
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
  const contexts: BrowserContext[] = [];
  const clients: MqttClient[] = [];
  const errors: string[] = [];

  const newPage: ConsoleTest['newPage'] = async (o = {}) => {
    const context = await browser.newContext({
      baseURL: url,
      colorScheme: o.colorScheme ?? 'light',
      viewport: { width: o.width ?? 1280, height: o.height ?? 800 },
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => errors.push(`${err.name}: ${err.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    return page;
  };

  const fillAndSubmit = async (page: Page, fill: () => Promise<void>) => {
    if (!page.url().startsWith(url)) await page.goto(`${url}/#/signin`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await fill();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  };

  const signIn: ConsoleTest['signIn'] = (page, account = ALICE) =>
    fillAndSubmit(page, async () => {
      await page.getByLabel('Account key').check();
      await page.getByLabel('Username').fill(account.username);
      await page.getByLabel('Key', { exact: true }).fill(account.key);
    });

  const signInWithToken: ConsoleTest['signInWithToken'] = (page, token) =>
    fillAndSubmit(page, async () => {
      await page.getByLabel('Token', { exact: true }).check();
      await page.getByLabel('Token', { exact: true }).and(page.locator('input[type=password]')).fill(token);
    });

  return {
    server,
    url,
    clock,
    errors,
    browser,
    newPage,
    signIn,
    signInWithToken,
    async signedInPage(account = ALICE) {
      const page = await newPage();
      await page.goto(`${url}/#/feeds`);
      await signIn(page, account);
      return page;
    },
    async mqttClient(account = ALICE, o = {}) {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, {
        username: account.username,
        password: account.key,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...o,
      });
      clients.push(client);
      return client;
    },
    async api(method, path, body, account = ALICE) {
      const res = await fetch(`${url}/api/v2/${account.username}${path}`, {
        method,
        headers: { 'X-AIO-Key': account.key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: res.status, json };
    },
    async screenshot(page, name) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        // Let the page settle in its new colours (charts redraw on a scheme change).
        await page.waitForTimeout(100);
        await page.screenshot({ path: join(SCREENSHOTS, `${name}-${scheme}.png`), fullPage: false });
      }
      await page.emulateMedia({ colorScheme: 'light' });
    },
    async close() {
      for (const c of clients) await c.endAsync(true).catch(() => {});
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await server.close();
      tmp.cleanup();
    },
  };
}
