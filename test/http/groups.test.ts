import { describe, expect } from 'vitest';
import { appTest as it } from '../helpers.js';

describe('groups', () => {
  it('creates from the Python body full of nulls, answers 201, key from name, feeds an array', async ({ t }) => {
    const res = await t.req('POST', '/api/v2/alice/groups/', {
      body: { name: 'grouptest', key: null, description: null, feeds: null, properties: null, source: null, source_keys: null, id: null },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: 'grouptest', key: 'grouptest', feeds: [], visibility: 'private' });
  });

  it('creates from a form body and from a wrapped body', async ({ t }) => {
    expect((await t.req('POST', '/api/v2/alice/groups', { form: { name: 'New Group' } })).json.key).toBe('new-group');
    expect((await t.req('POST', '/api/v2/alice/groups', { body: { group: { name: 'Wrapped', description: 'w' } } })).json).toMatchObject({
      key: 'wrapped',
      description: 'w',
    });
  });

  it('lists groups, each with a feeds array, the default group first', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1 } });
    const res = await t.req('GET', '/api/v2/alice/groups/');
    expect(res.status).toBe(200);
    expect(res.json[0]).toMatchObject({ key: 'default', name: 'Default' });
    expect(res.json[0].feeds.map((f: { key: string }) => f.key)).toEqual(['temp']);
  });

  it('gets a group by key and by name', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'grouprx' } });
    expect((await t.req('GET', '/api/v2/alice/groups/grouprx')).json).toMatchObject({ name: 'grouprx', key: 'grouprx' });
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'Weather Station' } });
    expect((await t.req('GET', '/api/v2/alice/groups/Weather%20Station')).json.key).toBe('weather-station');
  });

  it('creates feeds in a group through the Python double-slash path', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups/', { body: { name: 'testgroup' } });
    const feed = await t.req('POST', '/api/v2/alice//groups/testgroup/feeds', { body: { feed: { name: 'testfeed' } } });
    expect(feed.status).toBe(201);
    expect(feed.json.key).toBe('testgroup.testfeed');
    const feeds = await t.req('GET', '/api/v2/alice/groups/testgroup/feeds');
    expect(feeds.json.map((f: { key: string }) => f.key)).toEqual(['testgroup.testfeed']);
    expect((await t.req('DELETE', '/api/v2/alice/feeds/testgroup.testfeed')).status).toBe(200);
    expect((await t.req('DELETE', '/api/v2/alice/groups/testgroup')).json).toBe('OK');
    expect((await t.req('GET', '/api/v2/alice/groups/testgroup')).status).toBe(404);
  });

  it('renaming a group key renames the keys of its feeds', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'Old' } });
    await t.req('POST', '/api/v2/alice/groups/old/feeds', { body: { name: 'Temp' } });
    const res = await t.req('PUT', '/api/v2/alice/groups/old', { body: { group: { key: 'new', name: 'New' } } });
    expect(res.status).toBe(200);
    expect(res.json.feeds.map((f: { key: string }) => f.key)).toEqual(['new.temp']);
    expect((await t.req('GET', '/api/v2/alice/feeds/new.temp')).status).toBe(200);
  });

  it('PATCH changes only what was sent; bad values are 422', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'G', description: 'keep' } });
    expect((await t.req('PATCH', '/api/v2/alice/groups/g', { body: { visibility: 'Public' } })).json).toMatchObject({
      description: 'keep',
      visibility: 'public',
    });
    expect((await t.req('PATCH', '/api/v2/alice/groups/g', { body: { name: '' } })).status).toBe(422);
    expect((await t.req('PATCH', '/api/v2/alice/groups/g', { body: { key: 'Bad Key!' } })).status).toBe(422);
    expect((await t.req('PATCH', '/api/v2/alice/groups/default', { body: { key: 'other' } })).status).toBe(422);
    expect((await t.req('DELETE', '/api/v2/alice/groups/default')).status).toBe(422);
  });

  it('deleting a group deletes the feeds at home in it', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'G' } });
    await t.req('POST', '/api/v2/alice/groups/g/feeds/inner/data', { body: { value: 1 } });
    expect((await t.req('GET', '/api/v2/alice/feeds/g.inner')).status).toBe(200);
    await t.req('DELETE', '/api/v2/alice/groups/g');
    expect((await t.req('GET', '/api/v2/alice/feeds/g.inner')).status).toBe(404);
  });

  it('adds and removes feeds with feed_key in the query or the body', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'G' } });
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Temp' } });
    const add = await t.req('POST', '/api/v2/alice/groups/g/add?feed_key=temp');
    expect(add.status).toBe(200);
    expect(add.json.feeds.map((f: { key: string }) => f.key)).toEqual(['temp']);
    const feed = await t.req('GET', '/api/v2/alice/feeds/temp');
    expect(feed.json.groups.map((g: { key: string }) => g.key)).toEqual(['default', 'g']);
    const remove = await t.req('POST', '/api/v2/alice/groups/g/remove', { body: { feed_key: 'temp' } });
    expect(remove.json.feeds).toEqual([]);
    expect((await t.req('POST', '/api/v2/alice/groups/g/remove', { body: { feed_key: 'temp' } })).status).toBe(422);
    expect((await t.req('POST', '/api/v2/alice/groups/g/add', { body: {} })).status).toBe(422);
    expect((await t.req('POST', '/api/v2/alice/groups/g/add', { form: { feed_key: 'nope' } })).status).toBe(404);
    expect((await t.req('POST', '/api/v2/alice/groups/default/remove', { body: { feed_key: 'temp' } })).status).toBe(422);
  });

  it('group data creates points, making missing feeds inside the group, with shared location and time', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'enviro' } });
    const res = await t.req('POST', '/api/v2/alice/groups/enviro/data', {
      body: {
        created_at: '2026-01-15T11:00:00Z',
        location: { lat: 1.5, lon: 2.5, ele: 3 },
        feeds: [
          { key: 'nick-temp', value: 22.5 },
          { key: 'hum', value: '40' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json.map((d: { feed_key: string; value: string }) => [d.feed_key, d.value])).toEqual([
      ['enviro.nick-temp', '22.5'],
      ['enviro.hum', '40'],
    ]);
    expect(res.json[0]).toMatchObject({ lat: 1.5, lon: 2.5, ele: 3, created_at: '2026-01-15T11:00:00Z' });
    const again = await t.req('POST', '/api/v2/alice/groups/enviro/data', { body: { feeds: [{ key: 'nick-temp', value: 23 }] } });
    expect(again.json[0].feed_key).toBe('enviro.nick-temp');
    expect((await t.req('GET', '/api/v2/alice/feeds/enviro.nick-temp/data')).json).toHaveLength(2);
  });

  it('group data with bad input stores nothing', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'g' } });
    expect((await t.req('POST', '/api/v2/alice/groups/g/data', { body: {} })).status).toBe(422);
    expect((await t.req('POST', '/api/v2/alice/groups/g/data', { body: { feeds: [{ key: 'a', value: 1 }, { key: 'b' }] } })).status).toBe(
      422,
    );
    expect((await t.req('GET', '/api/v2/alice/groups/g/feeds')).json).toEqual([]);
  });

  it('group feed data routes read and write inside the group', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'g' } });
    expect((await t.req('POST', '/api/v2/alice/groups/g/feeds/temp/data', { body: { value: 5 } })).json.feed_key).toBe('g.temp');
    const batch = await t.req('POST', '/api/v2/alice/groups/g/feeds/temp/data/batch', { body: { data: [{ value: 6 }, { value: 7 }] } });
    expect(batch.json.map((d: { value: string }) => d.value)).toEqual(['6', '7']);
    const list = await t.req('GET', '/api/v2/alice/groups/g/feeds/temp/data');
    expect(list.json.map((d: { value: string }) => d.value)).toEqual(['7', '6', '5']);
    expect(list.headers.link).toBeTypeOf('string');
    // A feed outside the group is not reachable through it.
    await t.req('POST', '/api/v2/alice/feeds/outside/data', { body: { value: 1 } });
    expect((await t.req('GET', '/api/v2/alice/groups/g/feeds/outside/data')).status).toBe(404);
  });

  it('another user cannot reach the groups', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/groups', { body: { name: 'private-stuff' } });
    for (const [method, url] of [
      ['GET', '/api/v2/alice/groups'],
      ['GET', '/api/v2/alice/groups/private-stuff'],
      ['DELETE', '/api/v2/alice/groups/private-stuff'],
      ['POST', '/api/v2/alice/groups/private-stuff/data'],
      ['POST', '/api/v2/alice/groups/private-stuff/add'],
    ] as const) {
      const res = await t.req(method, url, { as: t.bob, body: {} });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.text).not.toContain('private-stuff');
    }
    expect((await t.req('GET', '/api/v2/bob/groups/private-stuff', { as: t.bob })).status).toBe(404);
    expect((await t.req('GET', '/api/v2/bob/groups', { as: t.bob })).json.map((g: { key: string }) => g.key)).toEqual(['default']);
  });

  it('a missing group is a 404 JSON error on every route', async ({ t }) => {
    for (const [method, url] of [
      ['GET', '/api/v2/alice/groups/nope'],
      ['PUT', '/api/v2/alice/groups/nope'],
      ['DELETE', '/api/v2/alice/groups/nope'],
      ['POST', '/api/v2/alice/groups/nope/add'],
      ['GET', '/api/v2/alice/groups/nope/feeds'],
      ['POST', '/api/v2/alice/groups/nope/data'],
      ['GET', '/api/v2/alice/groups/nope/feeds/x/data'],
    ] as const) {
      const res = await t.req(method, url, {
        body: method === 'GET' || method === 'DELETE' ? undefined : { name: 'x', feed_key: 'x', feeds: [] },
      });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.json.error).toContain("'nope'");
    }
  });
});
