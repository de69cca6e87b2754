import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, type ConsoleTest, startConsole } from './helpers.js';

let c: ConsoleTest;
beforeAll(async () => {
  c = await startConsole();
});
afterAll(async () => {
  await c?.close();
});

describe('console session in a browser', () => {
  it('signs in with the key, lands on the feeds route with the navigation, and signs out', async () => {
    const page = await c.newPage();
    await page.goto(`${c.url}/`);
    // Not signed in: the sign-in form, whatever the route.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).hash).toMatch(/^#\/signin/);
    await c.signIn(page);
    await page.waitForURL(/#\/feeds$/);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Feeds' }).getAttribute('aria-current')).resolves.toBe('page');
    // The loading line the HTML carries is gone once the app is drawn.
    expect(await page.locator('#app .boot').count()).toBe(0);
    await expect(page.getByText(`${ALICE.username}`, { exact: true })).toBeTruthy();
    // The cookie is HttpOnly: the page cannot read it, nor find the key anywhere it keeps things.
    const seen = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify(localStorage),
      session: JSON.stringify(sessionStorage),
    }));
    expect(seen.cookie).toBe('');
    expect(seen.local).not.toContain(ALICE.key);
    expect(seen.session).not.toContain(ALICE.key);
    const cookies = await page.context().cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: 'aio_console', httpOnly: true, sameSite: 'Strict', secure: false });

    // The session works for the API from the page, as the console calls it.
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/v2/alice/feeds', { headers: { 'X-Aio-Console': '1' } });
      return res.status;
    });
    expect(status).toBe(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.context().cookies()).toHaveLength(0);
    const after = await page.evaluate(async () => (await fetch('/console/session', { headers: { 'X-Aio-Console': '1' } })).status);
    expect(after).toBe(401);
    // No exception, no CSP refusal (failed loads are the 401s asked for above, and pages not written yet).
    expect(c.errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });

  it('refuses a wrong key with a message, and stays on the sign-in form', async () => {
    const page = await c.newPage();
    await page.goto(`${c.url}/#/signin`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Key', { exact: true }).fill('not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('invalid username or key');
    expect(await page.context().cookies()).toHaveLength(0);
  });
});

describe('refusals in a browser', () => {
  it('without a cookie: 401 on the three session routes, and the page shows sign-in', async () => {
    const page = await c.newPage();
    await page.goto(`${c.url}/#/tokens`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/signin?next=tokens');
    const statuses = await page.evaluate(async () => {
      const h = { 'X-Aio-Console': '1' };
      return [
        (await fetch('/console/session', { headers: h })).status,
        (await fetch('/console/session', { method: 'DELETE', headers: h })).status,
        (await fetch('/console/events', { headers: h })).status,
      ];
    });
    expect(statuses).toEqual([401, 401, 401]);
    // Signing in then goes where the visitor was going.
    await c.signIn(page);
    await page.waitForURL(/#\/tokens$/);
  });

  it('a cookie sent from another origin (same site, another port) is refused by the server', async () => {
    const page = await c.signedInPage();
    // A page of another origin on the same host: SameSite lets the cookie go there, the origin check must not.
    const evil: Server = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
      await page.goto(evilUrl);
      // What Chromium really sent (cookies included), from the DevTools protocol.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      const urls = new Map<string, string>();
      const sent = new Map<string, Record<string, string>>();
      cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
      cdp.on('Network.requestWillBeSentExtraInfo', (e) => sent.set(e.requestId, e.headers as Record<string, string>));
      const seen = page.waitForResponse((r) => r.url() === `${c.url}/api/v2/alice/feeds`);
      await page.evaluate((base) => {
        void fetch(`${base}/api/v2/alice/feeds`, { mode: 'no-cors', credentials: 'include' }).catch(() => {});
      }, c.url);
      const res = await seen;
      expect(res.status()).toBe(401);
      const id = [...urls].find(([, u]) => u === `${c.url}/api/v2/alice/feeds`)?.[0];
      await expect.poll(() => (id ? sent.get(id) : undefined)).toBeTruthy();
      const headers = Object.fromEntries(Object.entries(sent.get(id!)!).map(([k, v]) => [k.toLowerCase(), v]));
      // The cookie did go (so it is the server's origin check that refused, not the browser).
      expect(headers.cookie).toMatch(/^aio_console=/);
      expect(headers['sec-fetch-site']).toBe('same-site');
    } finally {
      evil.close();
    }
    // Back on the console the same cookie still works.
    await page.goto(`${c.url}/#/feeds`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  it('an idle session is refused once the clock passes AIO_CONSOLE_IDLE_MINUTES, and the open page goes to sign-in by itself', async () => {
    const page = await c.signedInPage();
    c.clock.advance(61 * 60_000);
    // No click: the live stream is closed by the server, reconnects, is refused, and the page asks.
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/console/session', { headers: { 'X-Aio-Console': '1' } })).status);
    expect(status).toBe(401);
  });

  it('replacing the account key ends the session: the open page goes to sign-in, the old key no longer signs in', async () => {
    const page = await c.signedInPage();
    c.server.core.accounts.setKey('alice', 'alice-rotated-key-0123456789');
    try {
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Key', { exact: true }).fill(ALICE.key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toContain('invalid username or key');
      await c.signIn(page, { username: 'alice', key: 'alice-rotated-key-0123456789' });
    } finally {
      c.server.core.accounts.setKey('alice', ALICE.key);
    }
  });
});
