import { describe, expect } from 'vitest';
import { INVALID_URL_TEXT } from '../../src/core/errors.js';
import { normalizeUrl } from '../../src/http/app.js';
import { redactUrl } from '../../src/http/redact.js';
import { appTest as it } from '../helpers.js';

describe('conventions on every route', () => {
  it('normalises repeated and trailing slashes and a .json suffix without redirecting', () => {
    expect(normalizeUrl('/api/v2/u//groups/g/feeds')).toBe('/api/v2/u/groups/g/feeds');
    expect(normalizeUrl('/api/v2/u/feeds/')).toBe('/api/v2/u/feeds');
    expect(normalizeUrl('/api/v2/u/feeds/g.f/data.json?x=1')).toBe('/api/v2/u/feeds/g.f/data?x=1');
    expect(normalizeUrl('/api/v2/u/feeds/g.f')).toBe('/api/v2/u/feeds/g.f');
  });

  it('serves a .json-suffixed POST with the key in the query (a real capture)', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'weather-feed' } });
    const res = await t.req('POST', `/api/v2/alice/feeds/weather-feed.wheater-checkpoint/data.json?X-AIO-Key=${t.alice.key}`, {
      key: null,
      body: { value: 3 },
    });
    expect(res.status).toBe(200);
    expect(res.json.feed_key).toBe('weather-feed.wheater-checkpoint');
  });

  it('takes the key from the header in any casing or the query parameter in either casing', async ({ t }) => {
    for (const [name, where] of [
      ['X-AIO-KEY', 'header'],
      ['x-aio-key', 'query'],
      ['X-AIO-Key', 'query'],
    ] as const) {
      const url = where === 'query' ? `/api/v2/alice/feeds?${name}=${t.alice.key}` : '/api/v2/alice/feeds';
      const res = await t.req('GET', url, { key: null, headers: where === 'header' ? { [name]: t.alice.key } : {} });
      expect(res.status, `${name} in ${where}`).toBe(200);
    }
  });

  it('puts CORS headers on every response and answers the preflight', async ({ t }) => {
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v2/alice/feeds',
      headers: { origin: 'http://x', 'access-control-request-method': 'POST' },
    });
    expect(pre.statusCode).toBe(204);
    for (const res of [
      pre,
      await t.app.inject({ method: 'GET', url: '/api/v2/alice/feeds' }),
      await t.app.inject({ method: 'GET', url: '/nope' }),
    ]) {
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toBe('POST, PUT, DELETE, GET, OPTIONS, PATCH');
      expect(res.headers['access-control-allow-headers']).toBe(
        'DNT, Origin, X-Requested-With, X-AIO-Key, Content-Type, Accept, Authorization',
      );
      expect(res.headers['access-control-expose-headers']).toBe(
        'X-Pagination-Limit, X-Pagination-Start, X-Pagination-End, X-Pagination-Count, X-Pagination-Total',
      );
      expect(res.headers['access-control-max-age']).toBe('1728000');
    }
  });

  it('an unknown route is a 404 with the Adafruit text', async ({ t }) => {
    for (const url of ['/nope', '/api/v2/alice/nothing-here', '/api/v2/alice/feeds/x/data/first/extra']) {
      const res = await t.req('GET', url);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: INVALID_URL_TEXT });
    }
  });

  it('a DELETE with a JSON content type and an empty body is accepted', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Gone' } });
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/api/v2/alice/feeds/gone',
      headers: { 'x-aio-key': t.alice.key, 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('an unsupported or oversized body still gets a JSON error', async ({ t }) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alice/feeds',
      headers: { 'x-aio-key': t.alice.key, 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    expect(res.statusCode).toBe(415);
    expect(typeof res.json().error).toBe('string');
  });

  it('GET /health needs no key; GET /api/v2/user returns the key owner', async ({ t }) => {
    expect((await t.req('GET', '/health', { key: null })).json).toEqual({ status: 'ok' });
    const me = await t.req('GET', '/api/v2/user', { as: t.bob });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: 'bob', name: 'bob', time_zone: 'UTC', role: 'user' });
    expect(me.json.default_group_id).toBeTypeOf('number');
    expect(Object.keys(me.json)).toEqual([
      'id',
      'name',
      'color',
      'username',
      'role',
      'default_group_id',
      'default_dashboard_id',
      'time_zone',
      'created_at',
      'updated_at',
    ]);
    expect((await t.req('GET', '/api/v2/user', { key: 'wrong' })).status).toBe(401);
  });

  it('a rotated key stops working at once', async ({ t }) => {
    t.core.accounts.setKey('alice', 'fresh-key');
    expect((await t.req('GET', '/api/v2/alice/feeds')).status).toBe(401);
    expect((await t.req('GET', '/api/v2/alice/feeds', { key: 'fresh-key' })).status).toBe(200);
  });

  it('keys in URLs are redacted for logs', () => {
    expect(redactUrl('/api/v2/u/feeds?X-AIO-Key=abc&limit=1')).toBe('/api/v2/u/feeds?X-AIO-Key=[redacted]&limit=1');
    expect(redactUrl('/x?a=1&x-aio-key=secret')).toBe('/x?a=1&x-aio-key=[redacted]');
  });
});
