import { describe, expect } from 'vitest';
import { appTestWith, type TestApp } from '../helpers.js';

const it = appTestWith({ fakeClock: true });

const BASE = '/api/v2/alice';

async function makeToken(t: TestApp, body: Record<string, unknown> = {}) {
  const res = await t.req('POST', `${BASE}/tokens`, { body });
  expect(res.status).toBe(200);
  return res.json as { id: number; key: string; feed_id: number | null };
}

/** A request made with a token as the key (header by default). */
const withToken = (t: TestApp, key: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
  t.req(method, url, { key, body });

describe('tokens: routes', () => {
  it('POST with no body (as Ruby sends) makes a token with every flag on; the secret is shown once', async ({ t }) => {
    const res = await t.app.inject({ method: 'POST', url: `${BASE}/tokens`, headers: { 'x-aio-key': t.alice.key } });
    expect(res.statusCode).toBe(200);
    const token = JSON.parse(res.body);
    expect(token).toEqual({
      id: expect.any(Number),
      key: expect.stringMatching(/^aio_[A-Za-z0-9]{28}$/),
      master: false,
      createable: true,
      readable: true,
      updateable: true,
      deleteable: true,
      expiration: null,
      user_id: t.alice.user.id,
      feed_id: null,
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
      qr_code: expect.stringMatching(/^data:image\/png;base64,/),
      status: 'active',
    });
    // Later reads show neither the secret nor its QR image: only a hash of the secret is kept.
    const one = await t.req('GET', `${BASE}/tokens/${token.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual({ ...token, key: null, qr_code: null });
    const list = await t.req('GET', `${BASE}/tokens`);
    expect(list.json).toEqual([{ ...token, key: null, qr_code: null }]);
    expect(list.text).not.toContain(token.key);
  });

  it('qr_code on creation is a PNG data URL of that token’s key, different for each key', async ({ t }) => {
    const png = (dataUrl: string) => Buffer.from(dataUrl.slice('data:image/png;base64,'.length), 'base64');
    const a = (await t.req('POST', `${BASE}/tokens`)).json;
    const b = (await t.req('POST', `${BASE}/tokens`)).json;
    for (const token of [a, b]) {
      const bytes = png(token.qr_code);
      // The PNG signature, then the IHDR chunk of a square image.
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
      expect(bytes.readUInt32BE(16)).toBe(bytes.readUInt32BE(20));
      expect(bytes.readUInt32BE(16)).toBeGreaterThan(20);
    }
    expect(a.key).not.toBe(b.key);
    expect(a.qr_code).not.toBe(b.qr_code);
  });

  it('POST takes flags, a feed and an expiration, wrapped or not, JSON or form', async ({ t }) => {
    const feed = (await t.req('POST', `${BASE}/feeds`, { body: { name: 'door' } })).json;
    const a = await makeToken(t, {
      token: {
        readable: true,
        createable: false,
        updateable: false,
        deleteable: false,
        feed_id: 'door',
        expiration: '2026-02-01T00:00:00Z',
      },
    });
    expect(a).toMatchObject({
      readable: true,
      createable: false,
      updateable: false,
      deleteable: false,
      feed_id: feed.id,
      expiration: '2026-02-01T00:00:00Z',
    });
    const b = await t.req('POST', `${BASE}/tokens`, { form: { deleteable: 'false', feed_id: String(feed.id) } });
    expect(b.json).toMatchObject({ deleteable: false, readable: true, feed_id: feed.id });
  });

  it('PUT and PATCH change only the fields sent', async ({ t, clock }) => {
    const token = await makeToken(t);
    clock.advance(2000);
    const put = await t.req('PUT', `${BASE}/tokens/${token.id}`, { body: { readable: false } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ id: token.id, key: null, readable: false, createable: true, updated_at: '2026-01-15T12:00:02Z' });
    const patch = await t.req('PATCH', `${BASE}/tokens/${token.id}`, { body: { token: { createable: false } } });
    expect(patch.json).toMatchObject({ readable: false, createable: false, updateable: true });
  });

  it('DELETE removes it: "OK", then 404, and the secret is refused at once', async ({ t }) => {
    const token = await makeToken(t);
    expect((await withToken(t, token.key, 'GET', `${BASE}/feeds`)).status).toBe(200);
    const del = await t.req('DELETE', `${BASE}/tokens/${token.id}`);
    expect(del.status).toBe(200);
    expect(del.json).toBe('OK');
    expect((await t.req('GET', `${BASE}/tokens/${token.id}`)).status).toBe(404);
    const refused = await withToken(t, token.key, 'GET', `${BASE}/feeds`);
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('request failed - invalid API key provided');
  });

  it('bad input is a JSON 422', async ({ t }) => {
    for (const body of [{ readable: 'maybe' }, { feed_id: 'nope' }, { expiration: '2020-01-01T00:00:00Z' }, { expiration: 'someday' }]) {
      const res = await t.req('POST', `${BASE}/tokens`, { body });
      expect(res.status).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
    const token = await makeToken(t);
    expect((await t.req('PUT', `${BASE}/tokens/${token.id}`, { body: { deleteable: 'perhaps' } })).status).toBe(422);
    expect((await t.req('GET', `${BASE}/tokens`)).json).toHaveLength(1);
  });

  it('missing tokens are JSON 404s', async ({ t }) => {
    for (const [method, url] of [
      ['GET', `${BASE}/tokens/999`],
      ['PUT', `${BASE}/tokens/999`],
      ['PATCH', `${BASE}/tokens/abc`],
      ['DELETE', `${BASE}/tokens/999`],
    ] as const) {
      const res = await t.req(method, url, { body: method === 'GET' || method === 'DELETE' ? undefined : {} });
      expect(res.status).toBe(404);
      expect(typeof res.json.error).toBe('string');
    }
  });

  it('wrong user: bob’s key on alice’s paths is a 403; alice’s token ids on bob’s path are 404s', async ({ t }) => {
    const token = await makeToken(t);
    for (const [method, url] of [
      ['GET', `${BASE}/tokens`],
      ['POST', `${BASE}/tokens`],
      ['GET', `${BASE}/tokens/${token.id}`],
      ['PUT', `${BASE}/tokens/${token.id}`],
      ['DELETE', `${BASE}/tokens/${token.id}`],
    ] as const) {
      const res = await t.req(method, url, { as: t.bob, body: method === 'POST' || method === 'PUT' ? {} : undefined });
      expect(res.status).toBe(403);
      expect(typeof res.json.error).toBe('string');
    }
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      expect((await t.req(method, `/api/v2/bob/tokens/${token.id}`, { as: t.bob, body: method === 'PUT' ? {} : undefined })).status).toBe(
        404,
      );
    }
    expect((await t.req('GET', '/api/v2/bob/tokens', { as: t.bob })).json).toEqual([]);
    expect((await t.req('GET', `${BASE}/tokens/${token.id}`)).status).toBe(200);
  });
});

describe('tokens as credentials over HTTP', () => {
  it.beforeEach(async ({ t }) => {
    await t.req('POST', `${BASE}/feeds`, { body: { name: 'temp' } });
    await t.req('POST', `${BASE}/feeds`, { body: { name: 'other' } });
  });

  it('authenticate like the key: header (any casing) and query parameter', async ({ t }) => {
    const token = await makeToken(t);
    expect((await t.req('GET', `${BASE}/feeds/temp`, { key: null, headers: { 'X-AIO-KEY': token.key } })).status).toBe(200);
    const byQuery = await t.req('POST', `${BASE}/feeds/temp/data?x-aio-key=${token.key}`, { key: null, body: { value: 1 } });
    expect(byQuery.status).toBe(200);
    expect((await t.req('GET', `${BASE}/feeds/temp/data?X-AIO-Key=${token.key}`, { key: null })).json).toHaveLength(1);
    expect((await t.req('GET', '/api/v2/user', { key: token.key })).json.username).toBe('alice');
  });

  it('only on their own user’s paths', async ({ t }) => {
    const token = await makeToken(t);
    const res = await withToken(t, token.key, 'GET', '/api/v2/bob/feeds');
    expect(res.status).toBe(403);
  });

  it('readable: GET only', async ({ t }) => {
    const token = await makeToken(t, { readable: true, createable: false, updateable: false, deleteable: false });
    expect((await withToken(t, token.key, 'GET', `${BASE}/feeds`)).status).toBe(200);
    expect((await withToken(t, token.key, 'GET', `${BASE}/feeds/temp/data`)).status).toBe(200);
    const post = await withToken(t, token.key, 'POST', `${BASE}/feeds/temp/data`, { value: 1 });
    expect(post.status).toBe(403);
    expect(post.json.error).toBe('forbidden - this token does not allow creating');
    expect((await withToken(t, token.key, 'PUT', `${BASE}/feeds/temp`, { description: 'x' })).status).toBe(403);
    expect((await withToken(t, token.key, 'DELETE', `${BASE}/feeds/temp`)).status).toBe(403);
    expect((await t.req('GET', `${BASE}/feeds/temp/data`)).json).toEqual([]);
  });

  it('createable: POST only', async ({ t }) => {
    const token = await makeToken(t, { readable: false, createable: true, updateable: false, deleteable: false });
    expect((await withToken(t, token.key, 'POST', `${BASE}/feeds/temp/data`, { value: 1 })).status).toBe(200);
    expect((await withToken(t, token.key, 'POST', `${BASE}/groups`, { name: 'g' })).status).toBe(201);
    const get = await withToken(t, token.key, 'GET', `${BASE}/feeds/temp/data`);
    expect(get.status).toBe(403);
    expect(get.json.error).toBe('forbidden - this token does not allow reading');
    expect((await withToken(t, token.key, 'PATCH', `${BASE}/feeds/temp`, { description: 'x' })).status).toBe(403);
  });

  it('updateable: PUT and PATCH; deleteable: DELETE', async ({ t }) => {
    const upd = await makeToken(t, { readable: false, createable: false, updateable: true, deleteable: false });
    expect((await withToken(t, upd.key, 'PUT', `${BASE}/feeds/temp`, { description: 'x' })).status).toBe(200);
    expect((await withToken(t, upd.key, 'PATCH', `${BASE}/feeds/temp`, { description: 'y' })).status).toBe(200);
    expect((await withToken(t, upd.key, 'DELETE', `${BASE}/feeds/temp`)).status).toBe(403);
    const del = await makeToken(t, { readable: false, createable: false, updateable: false, deleteable: true });
    expect((await withToken(t, del.key, 'PUT', `${BASE}/feeds/temp`, { description: 'z' })).status).toBe(403);
    expect((await withToken(t, del.key, 'DELETE', `${BASE}/feeds/other`)).status).toBe(200);
    expect((await t.req('GET', `${BASE}/feeds/other`)).status).toBe(404);
    expect((await t.req('GET', `${BASE}/feeds/temp`)).json.description).toBe('y');
  });

  it('feed_id: only that feed, by key, id or group path; other feeds and feed-less routes are 403', async ({ t }) => {
    const feed = (await t.req('GET', `${BASE}/feeds/temp`)).json;
    const token = await makeToken(t, { feed_id: 'temp' });
    expect((await withToken(t, token.key, 'POST', `${BASE}/feeds/temp/data`, { value: 5 })).status).toBe(200);
    expect((await withToken(t, token.key, 'GET', `${BASE}/feeds/${feed.id}/data/last`)).json.value).toBe('5');
    expect((await withToken(t, token.key, 'GET', `${BASE}/groups/default/feeds/temp/data`)).status).toBe(200);
    expect((await withToken(t, token.key, 'GET', `${BASE}/feeds/temp/data/chart`)).status).toBe(200);
    for (const [method, url] of [
      ['GET', `${BASE}/feeds/other/data`],
      ['POST', `${BASE}/feeds/other/data`],
      ['POST', `${BASE}/feeds/brand-new/data`],
      ['GET', `${BASE}/feeds`],
      ['GET', `${BASE}/groups`],
      ['POST', `${BASE}/groups/default/data`],
      ['GET', `${BASE}/dashboards`],
      ['GET', '/api/v2/user'],
    ] as const) {
      const res = await withToken(
        t,
        token.key,
        method,
        url,
        method === 'POST' ? { value: 1, feeds: [{ key: 'temp', value: 1 }] } : undefined,
      );
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.json.error).toMatch(/only gives access to the feed/);
    }
    expect((await t.req('GET', `${BASE}/feeds/brand-new`)).status).toBe(404);
  });

  it('expiration: refused once it has passed', async ({ t, clock }) => {
    const token = await makeToken(t, { expiration: '2026-01-15T13:00:00Z' });
    expect((await withToken(t, token.key, 'GET', `${BASE}/feeds`)).status).toBe(200);
    clock.advance(3_600_000);
    const res = await withToken(t, token.key, 'GET', `${BASE}/feeds`);
    expect(res.status).toBe(403);
    expect(res.json.error).toBe('forbidden - this token expired at 2026-01-15T13:00:00Z');
    expect((await t.req('GET', `${BASE}/tokens/${token.id}`)).json.status).toBe('expired');
  });

  it('a changed token is held to its new flags at once', async ({ t }) => {
    const token = await makeToken(t);
    expect((await withToken(t, token.key, 'GET', `${BASE}/feeds`)).status).toBe(200);
    await t.req('PATCH', `${BASE}/tokens/${token.id}`, { body: { readable: false } });
    expect((await withToken(t, token.key, 'GET', `${BASE}/feeds`)).status).toBe(403);
  });

  it('cannot manage tokens or webhook receivers, whatever its flags', async ({ t }) => {
    const token = await makeToken(t);
    for (const [method, url] of [
      ['GET', `${BASE}/tokens`],
      ['POST', `${BASE}/tokens`],
      ['GET', `${BASE}/tokens/${token.id}`],
      ['PUT', `${BASE}/tokens/${token.id}`],
      ['DELETE', `${BASE}/tokens/${token.id}`],
      ['GET', `${BASE}/feeds/temp/webhooks`],
      ['POST', `${BASE}/feeds/temp/webhooks`],
      ['DELETE', `${BASE}/feeds/temp/webhooks/1`],
    ] as const) {
      const res = await withToken(t, token.key, method, url, method === 'POST' || method === 'PUT' ? {} : undefined);
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.json.error).toMatch(/cannot manage tokens/);
    }
    // Nothing about the key is ever in a response it can read.
    const user = await withToken(t, token.key, 'GET', '/api/v2/user');
    expect(user.text).not.toContain(t.alice.key);
    expect(user.json).not.toHaveProperty('key');
  });

  it('a token cannot be used as a webhook token, nor the other way round', async ({ t }) => {
    const token = await makeToken(t);
    const hook = (await t.req('POST', `${BASE}/feeds/temp/webhooks`, { body: {} })).json;
    expect((await t.app.inject({ method: 'POST', url: `/api/v2/webhooks/feed/${token.key}/notify` })).statusCode).toBe(404);
    expect((await withToken(t, hook.token, 'GET', `${BASE}/feeds`)).status).toBe(401);
  });
});
