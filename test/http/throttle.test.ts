import { describe, expect } from 'vitest';
import { appTestWith, makeApp, type TestApp } from '../helpers.js';

const it = appTestWith({ fakeClock: true, config: { rateLimit: 10 } });

const post = (t: TestApp, value: unknown, feed = 'temp') => t.req('POST', `/api/v2/alice/feeds/${feed}/data`, { body: { value } });

describe('the data rate limit over HTTP', () => {
  it('refuses exactly the 11th write in a minute with a 429 JSON error, and allows it after the refill', async ({ t, clock }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'temp' } }); // a feed create takes a token too
    for (let i = 0; i < 9; i++) expect((await post(t, i)).status).toBe(200);
    const refused = await post(t, 'x');
    expect(refused.status).toBe(429);
    expect(refused.json.error).toBe('request failed - alice data rate limit reached, 6 seconds until throttle released');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data')).json).toHaveLength(9);
    clock.advance(6000);
    expect((await post(t, 'y')).status).toBe(200);
  });

  it('reads take nothing; updates and deletes of data, feeds and groups take one each', async ({ t }) => {
    const made = (await post(t, 1)).json; // feed auto-create + point: 2
    for (let i = 0; i < 20; i++) expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/last')).status).toBe(200);
    await t.req('PUT', `/api/v2/alice/feeds/temp/data/${made.id}`, { body: { value: 2 } }); // 3
    await t.req('PATCH', '/api/v2/alice/feeds/temp', { body: { description: 'd' } }); // 4
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'g' } }); // 5
    await t.req('POST', '/api/v2/alice/groups/g/add', { body: { feed_key: 'temp' } }); // 6
    await t.req('DELETE', `/api/v2/alice/feeds/temp/data/${made.id}`); // 7
    await t.req('DELETE', '/api/v2/alice/groups/g'); // 8
    expect((await t.req('GET', '/api/v2/alice/throttle')).json.active_data_rate).toBe(8);
    expect(
      (await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: { data: [{ value: 1 }, { value: 2 }, { value: 3 }] } })).status,
    ).toBe(429);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data')).json).toHaveLength(0);
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: { data: [{ value: 1 }, { value: 2 }] } })).status).toBe(200);
  });

  it('an auto-create that would go over the limit stores nothing, not even the feed', async ({ t }) => {
    for (let i = 0; i < 9; i++) await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: [{ value: i }] });
    // temp exists (1 token) + 8 more points = 10 taken; a new feed + point needs 2.
    expect((await post(t, 1, 'fresh')).status).toBe(429);
    expect((await t.req('GET', '/api/v2/alice/feeds/fresh')).status).toBe(404);
  });

  it('each account has its own bucket, and its own limit when set', async ({ t }) => {
    t.db.$client.prepare('UPDATE users SET rate_limit = 3 WHERE username = ?').run('bob');
    for (let i = 0; i < 10; i++) await post(t, i);
    expect((await post(t, 'over')).status).toBe(429);
    const bobPost = (v: number) => t.req('POST', '/api/v2/bob/feeds/temp/data/batch', { as: t.bob, body: [{ value: v }] });
    expect((await bobPost(1)).status).toBe(200); // feed + point
    expect((await bobPost(2)).status).toBe(200);
    expect((await bobPost(3)).status).toBe(429);
    expect((await t.req('GET', '/api/v2/bob/throttle', { as: t.bob })).json.data_rate_limit).toBe(3);
  });

  it('GET throttle answers the live record and belongs to its user', async ({ t, clock }) => {
    await post(t, 1);
    const res = await t.req('GET', '/api/v2/alice/throttle');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      data_rate_limit: 10,
      active_data_rate: 2,
      authentication_rate: 0,
      subscribe_authorization_rate: 0,
      publish_authorization_rate: 0,
      hourly_ban_rate: 0,
      mqtt_ban_error_message: null,
      sms_message_limit: 0,
    });
    clock.advance(60_000);
    expect((await t.req('GET', '/api/v2/alice/throttle')).json.active_data_rate).toBe(0);
    expect((await t.req('GET', '/api/v2/alice/throttle', { as: t.bob })).status).toBe(403);
    expect((await t.req('GET', '/api/v2/alice/throttle', { key: 'bad' })).status).toBe(401);
  });

  it('AIO_RATE_LIMIT=0 turns the limit off', async ({ clock }) => {
    const off = await makeApp({ clock: clock.now, config: { rateLimit: 0 } });
    try {
      const res = await off.req('POST', '/api/v2/alice/feeds/temp/data/batch', {
        body: { data: Array.from({ length: 200 }, (_, i) => ({ value: i })) },
      });
      expect(res.status).toBe(200);
      expect((await off.req('GET', '/api/v2/alice/throttle')).json).toMatchObject({ data_rate_limit: 0, active_data_rate: 201 });
    } finally {
      off.close();
    }
  });
});
