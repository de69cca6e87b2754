import { describe, expect } from 'vitest';
import { appTest as it } from '../helpers.js';

describe('feeds', () => {
  it('creates a feed from a wrapped Python body with "ON" and "Private" and answers 201', async ({ t }) => {
    const res = await t.req('POST', '/api/v2/alice/feeds/', {
      body: {
        feed: {
          name: 'testfeed',
          key: null,
          description: null,
          unit_type: null,
          unit_symbol: null,
          history: 'ON',
          visibility: 'Private',
          license: null,
          status_notify: null,
          status_timeout: null,
        },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'testfeed', key: 'testfeed', history: true, visibility: 'private', username: 'alice' });
    expect(res.json.group).toMatchObject({ key: 'default', name: 'Default' });
    expect(res.json.groups).toHaveLength(1);
    expect(res.json.feed_webhook_receivers).toEqual([]);
  });

  it('creates from an unwrapped body, an Arduino form body, and multipart', async ({ t }) => {
    expect((await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Unwrapped', description: 'd' } })).json).toMatchObject({
      key: 'unwrapped',
      description: 'd',
    });
    const arduino = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alice/feeds',
      headers: { 'x-aio-key': t.alice.key, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=My Feed',
    });
    expect(arduino.statusCode).toBe(201);
    expect(arduino.json()).toMatchObject({ name: 'My Feed', key: 'my-feed' });
    const boundary = 'XyZ';
    const multipart = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alice/feeds',
      headers: { 'x-aio-key': t.alice.key, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nMulti Part\r\n--${boundary}--\r\n`,
    });
    expect(multipart.statusCode).toBe(201);
    expect(multipart.json()).toMatchObject({ name: 'Multi Part', key: 'multi-part' });
  });

  it('derives keys from names and suffixes taken ones', async ({ t }) => {
    const a = await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'mq6_gas' } });
    const b = await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'MQ6 gas' } });
    const c = await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'mq6-gas' } });
    expect([a.json.key, b.json.key, c.json.key]).toEqual(['mq6-gas', 'mq6-gas-1', 'mq6-gas-2']);
  });

  it('creates a feed in a group with ?group_key= and gets the group.feed key', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'Weather' } });
    const res = await t.req('POST', '/api/v2/alice/feeds?group_key=weather', { body: { name: 'Temp' } });
    expect(res.status).toBe(201);
    expect(res.json.key).toBe('weather.temp');
    expect(res.json.group.key).toBe('weather');
  });

  it('refuses invalid names and values with 422 and stores nothing', async ({ t }) => {
    for (const body of [
      {},
      { name: '' },
      { name: 'bad/name' },
      { name: 'x'.repeat(129) },
      { name: '123' },
      { name: 'ok', history: 'maybe' },
      { name: 'ok', visibility: 'secret' },
    ]) {
      const res = await t.req('POST', '/api/v2/alice/feeds', { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('GET', '/api/v2/alice/feeds')).json).toEqual([]);
  });

  it('malformed JSON is a 400 with a JSON error', async ({ t }) => {
    const res = await t.req('POST', '/api/v2/alice/feeds', { body: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/JSON/);
  });

  it('gets a feed by key, any case, numeric id, and name', async ({ t }) => {
    const made = (await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Living Room' } })).json;
    for (const ident of ['living-room', 'LIVING-ROOM', String(made.id), 'Living%20Room', 'default.living-room']) {
      const res = await t.req('GET', `/api/v2/alice/feeds/${ident}`);
      expect(res.status, ident).toBe(200);
      expect(res.json.id).toBe(made.id);
    }
  });

  it('lists feeds and shows details with first, last and count', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1 } });
    await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 2 } });
    const list = await t.req('GET', '/api/v2/alice/feeds');
    expect(list.json.map((f: { key: string }) => f.key)).toEqual(['temp']);
    expect(list.json[0].last_value).toBe('2');
    const details = await t.req('GET', '/api/v2/alice/feeds/temp/details');
    expect(details.status).toBe(200);
    expect(details.json.details.shared_with).toEqual([]);
    expect(details.json.details.data.count).toBe(2);
    expect(details.json.details.data.first.value).toBe('1');
    expect(details.json.details.data.last.value).toBe('2');
  });

  it('PUT and PATCH change only the fields sent', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Temp', description: 'keep me' } });
    const put = await t.req('PUT', '/api/v2/alice/feeds/temp', { body: { feed: { unit_type: 'temperature', unit_symbol: 'C' } } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ description: 'keep me', unit_type: 'temperature', unit_symbol: 'C', key: 'temp' });
    const patch = await t.req('PATCH', '/api/v2/alice/feeds/temp', { body: { name: 'Renamed', key: 'new-key' } });
    expect(patch.json).toMatchObject({ name: 'Renamed', key: 'new-key', description: 'keep me' });
    expect((await t.req('GET', '/api/v2/alice/feeds/temp')).status).toBe(404);
    expect((await t.req('PATCH', '/api/v2/alice/feeds/new-key', { body: { status_timeout: 'soon' } })).status).toBe(422);
  });

  it('DELETE answers 200 with JSON, and the feed and its data are gone', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds/testfeed/data', { body: { value: 1 } });
    const del = await t.req('DELETE', '/api/v2/alice/feeds/testfeed', { headers: { 'content-type': 'application/json' } });
    expect(del.status).toBe(200);
    expect(del.json).toBe('OK');
    const last = await t.req('GET', '/api/v2/alice/feeds/testfeed/data/last');
    expect(last.status).toBe(404);
    expect(typeof last.json.error).toBe('string');
    const again = await t.req('DELETE', '/api/v2/alice/feeds/testfeed');
    expect(again.status).toBe(404);
    expect(again.json.error).toMatch(/testfeed/);
  });

  it('another user cannot see, change or delete the feed', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Secret' } });
    for (const [method, url] of [
      ['GET', '/api/v2/alice/feeds'],
      ['GET', '/api/v2/alice/feeds/secret'],
      ['PUT', '/api/v2/alice/feeds/secret'],
      ['DELETE', '/api/v2/alice/feeds/secret'],
      ['GET', '/api/v2/alice/feeds/secret/details'],
    ] as const) {
      const res = await t.req(method, url, { as: t.bob, body: method === 'PUT' ? { name: 'x' } : undefined });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.text).not.toContain('Secret');
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('GET', '/api/v2/bob/feeds/secret', { as: t.bob })).status).toBe(404);
    expect((await t.req('GET', '/api/v2/alice/feeds/secret')).json.name).toBe('Secret');
  });

  it('a missing feed is a 404 JSON error', async ({ t }) => {
    for (const [method, url] of [
      ['GET', '/api/v2/alice/feeds/nope'],
      ['PATCH', '/api/v2/alice/feeds/nope'],
      ['DELETE', '/api/v2/alice/feeds/nope'],
      ['GET', '/api/v2/alice/feeds/nope/details'],
    ] as const) {
      const res = await t.req(method, url, { body: method === 'PATCH' ? { name: 'x' } : undefined });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.json.error).toContain("'nope'");
    }
  });
});
