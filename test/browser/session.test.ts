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
