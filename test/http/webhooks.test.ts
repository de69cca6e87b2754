import { describe, expect } from 'vitest';
import { redactUrl } from '../../src/http/redact.js';
import { appTestWith, makeApp, type TestApp } from '../helpers.js';
import { makeMqtt } from '../mqtt/helpers.js';

const it = appTestWith({ fakeClock: true });

const BASE = '/api/v2/alice';

async function makeFeed(t: TestApp, name = 'temp', as = t.alice) {
  const res = await t.req('POST', `/api/v2/${as.name}/feeds`, { as, body: { name } });
  expect(res.status).toBe(201);
  return res.json as { id: number; key: string };
}

async function makeReceiver(t: TestApp, feed = 'temp', kind?: string) {
  const res = await t.req('POST', `${BASE}/feeds/${feed}/webhooks`, { body: kind ? { kind } : {} });
  expect(res.status).toBe(200);
  return res.json as { id: number; token: string; url: string; kind: string; feed_id: number; created_at: string };
}

/** A webhook post: no key, the given body and content type. */
async function hook(t: TestApp, path: string, payload?: string | Buffer, contentType?: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: path,
    headers: contentType ? { 'content-type': contentType } : {},
    payload,
  });
  let json: any;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, headers: res.headers };
}

function multipart(fields: Record<string, string>): { body: string; type: string } {
  const boundary = '----aio-test-boundary';
  let body = '';
  for (const [k, v] of Object.entries(fields)) body += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  body += `--${boundary}--\r\n`;
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

const pathOf = (url: string) => new URL(url).pathname;

describe('webhook receivers: management', () => {
  it('POST makes a receiver and shows its token and URL once', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t);
    expect(r).toEqual({
      id: expect.any(Number),
      token: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{28}$/),
      url: `http://localhost:80/api/v2/webhooks/feed/${r.token}`,
      kind: 'data',
      feed_id: expect.any(Number),
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
    });
    expect((await makeReceiver(t, 'temp', 'raw')).url).toMatch(/\/webhooks\/feed\/\w{28}\/raw$/);
    expect((await makeReceiver(t, 'temp', 'notify')).url).toMatch(/\/webhooks\/feed\/\w{28}\/notify$/);
    // Form bodies and the wrapped form work too.
    const form = await t.req('POST', `${BASE}/feeds/temp/webhooks`, { form: { kind: 'raw' } });
    expect(form.json.kind).toBe('raw');
    const wrapped = await t.req('POST', `${BASE}/feeds/temp/webhooks`, { body: { webhook: { kind: 'notify' } } });
    expect(wrapped.json.kind).toBe('notify');
  });

  it('GET lists a feed’s receivers without their tokens; the feed record shows them', async ({ t }) => {
    const feed = await makeFeed(t);
    await makeFeed(t, 'other');
    const a = await makeReceiver(t);
    const b = await makeReceiver(t, 'temp', 'raw');
    const list = await t.req('GET', `${BASE}/feeds/temp/webhooks`);
    expect(list.status).toBe(200);
    expect(list.json).toEqual([
      { id: a.id, kind: 'data', feed_id: feed.id, created_at: a.created_at, updated_at: a.created_at },
      { id: b.id, kind: 'raw', feed_id: feed.id, created_at: b.created_at, updated_at: b.created_at },
    ]);
    expect(list.text).not.toContain(a.token);
    expect((await t.req('GET', `${BASE}/feeds/other/webhooks`)).json).toEqual([]);
    const record = await t.req('GET', `${BASE}/feeds/temp`);
    expect(record.json.feed_webhook_receivers).toEqual(list.json);
    const all = await t.req('GET', `${BASE}/feeds`);
    expect(all.json.find((f: { key: string }) => f.key === 'other').feed_webhook_receivers).toEqual([]);
    expect(all.json.find((f: { key: string }) => f.key === 'temp').feed_webhook_receivers).toHaveLength(2);
    const group = await t.req('GET', `${BASE}/groups/default`);
    expect(group.json.feeds.find((f: { key: string }) => f.key === 'temp').feed_webhook_receivers).toHaveLength(2);
  });

  it('DELETE removes a receiver; its URL then answers 404', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t);
    expect((await hook(t, pathOf(r.url), '{"value":1}', 'application/json')).status).toBe(200);
    const del = await t.req('DELETE', `${BASE}/feeds/temp/webhooks/${r.id}`);
    expect(del.status).toBe(200);
    expect(del.json).toBe('OK');
    const after = await hook(t, pathOf(r.url), '{"value":1}', 'application/json');
    expect(after.status).toBe(404);
    expect(after.json.error).toMatch(/not found/);
    expect((await t.req('GET', `${BASE}/feeds/temp/webhooks`)).json).toEqual([]);
  });

  it('bad input: an unknown kind is a JSON 422', async ({ t }) => {
    await makeFeed(t);
    const res = await t.req('POST', `${BASE}/feeds/temp/webhooks`, { body: { kind: 'email' } });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(/kind/);
  });

  it('missing objects: an unknown feed or receiver is a JSON 404', async ({ t }) => {
    await makeFeed(t);
    expect((await t.req('POST', `${BASE}/feeds/nope/webhooks`, { body: {} })).status).toBe(404);
    expect((await t.req('GET', `${BASE}/feeds/nope/webhooks`)).status).toBe(404);
    const missing = await t.req('DELETE', `${BASE}/feeds/temp/webhooks/999`);
    expect(missing.status).toBe(404);
    expect(typeof missing.json.error).toBe('string');
    expect((await t.req('DELETE', `${BASE}/feeds/temp/webhooks/abc`)).status).toBe(404);
  });

  it('wrong user: bob’s key on alice’s path is a 403; alice’s ids on bob’s path are 404s', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t);
    for (const [method, url] of [
      ['POST', `${BASE}/feeds/temp/webhooks`],
      ['GET', `${BASE}/feeds/temp/webhooks`],
      ['DELETE', `${BASE}/feeds/temp/webhooks/${r.id}`],
    ] as const) {
      const res = await t.req(method, url, { as: t.bob, body: method === 'POST' ? {} : undefined });
      expect(res.status).toBe(403);
      expect(typeof res.json.error).toBe('string');
    }
    await makeFeed(t, 'temp', t.bob);
    expect((await t.req('DELETE', `/api/v2/bob/feeds/temp/webhooks/${r.id}`, { as: t.bob })).status).toBe(404);
    expect((await t.req('GET', `/api/v2/bob/feeds/${r.feed_id}/webhooks`, { as: t.bob })).status).toBe(404);
    // Alice's receiver is still there.
    expect((await t.req('GET', `${BASE}/feeds/temp/webhooks`)).json).toHaveLength(1);
  });

  it('needs a key: none is a 401', async ({ t }) => {
    await makeFeed(t);
    expect((await t.req('GET', `${BASE}/feeds/temp/webhooks`, { key: null })).status).toBe(401);
  });
});

describe('POST /webhooks/feed/{token}', () => {
  it('JSON {"value"} stores a point, without a key, and answers the data record', async ({ t }) => {
    const feed = await makeFeed(t);
    const r = await makeReceiver(t);
    const res = await hook(t, pathOf(r.url), '{"value":"42"}', 'application/json');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      value: '42',
      feed_id: feed.id,
      feed_key: 'temp',
      created_at: '2026-01-15T12:00:00Z',
      created_epoch: Date.parse('2026-01-15T12:00:00Z') / 1000,
      expiration: '2026-02-14T12:00:00Z',
    });
    expect((await t.req('GET', `${BASE}/feeds/temp/data/last`)).json.value).toBe('42');
  });

  it('keeps a JSON number as written, and takes lat/lon/ele', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t);
    const res = await hook(t, pathOf(r.url), '{"value": 40.0, "lat": 40.7, "lon": "-74.0", "ele": 6}', 'application/json');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ value: '40.0', lat: 40.7, lon: -74, ele: 6 });
  });

  it('form and multipart bodies, and `payload` instead of `value`', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t);
    expect((await hook(t, pathOf(r.url), 'value=24', 'application/x-www-form-urlencoded')).json.value).toBe('24');
    const mp = multipart({ value: 'from multipart' });
    expect((await hook(t, pathOf(r.url), mp.body, mp.type)).json.value).toBe('from multipart');
    expect((await hook(t, pathOf(r.url), '{"payload":"p"}', 'application/json')).json.value).toBe('p');
    const values = (await t.req('GET', `${BASE}/feeds/temp/data`)).json.map((d: { value: string }) => d.value);
    expect(values).toEqual(['p', 'from multipart', '24']);
  });

  it('bad input: a missing value is a JSON 422; bad JSON a JSON 400', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t);
    for (const [body, type] of [
      ['{"other":1}', 'application/json'],
      ['', undefined],
      ['x=1', 'application/x-www-form-urlencoded'],
    ] as const) {
      const res = await hook(t, pathOf(r.url), body, type);
      expect(res.status).toBe(422);
      expect(res.json.error).toMatch(/Value can't be blank/);
    }
    // Only /raw reads a body it cannot parse.
    expect((await hook(t, pathOf(r.url), 'just text', 'text/plain')).status).toBe(415);
    const bad = await hook(t, pathOf(r.url), '{"value":', 'application/json');
    expect(bad.status).toBe(400);
    expect(typeof bad.json.error).toBe('string');
    expect((await t.req('GET', `${BASE}/feeds/temp/data`)).json).toEqual([]);
  });

  it('an unknown token is a JSON 404 on every path', async ({ t }) => {
    for (const suffix of ['', '/raw', '/notify']) {
      const res = await hook(t, `/api/v2/webhooks/feed/notAToken123${suffix}`, '{"value":1}', 'application/json');
      expect(res.status).toBe(404);
      expect(res.json.error).toMatch(/webhook/);
    }
  });

  it('a disabled feed is a JSON 422', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t);
    await t.req('PUT', `${BASE}/feeds/temp`, { body: { enabled: false } });
    for (const [path, body] of [
      [pathOf(r.url), '{"value":1}'],
      [`${pathOf(r.url)}/notify`, ''],
    ] as const) {
      const res = await hook(t, path, body, 'application/json');
      expect(res.status).toBe(422);
      expect(res.json.error).toMatch(/disabled/);
    }
  });

  it('takes from the owner’s rate budget: over it, a JSON 429', async ({ clock }) => {
    const limited = await makeApp({ clock: clock.now, config: { rateLimit: 2 } });
    try {
      await limited.req('POST', '/api/v2/alice/feeds', { body: { name: 'temp' } }); // one of two
      const r = (await limited.req('POST', '/api/v2/alice/feeds/temp/webhooks', { body: {} })).json;
      const post = () => limited.app.inject({ method: 'POST', url: `${new URL(r.url).pathname}/notify` });
      expect((await post()).statusCode).toBe(200);
      const refused = await post();
      expect(refused.statusCode).toBe(429);
      expect(typeof JSON.parse(refused.body).error).toBe('string');
    } finally {
      limited.close();
    }
  });
});

describe('POST /webhooks/feed/{token}/raw and /notify', () => {
  it('/raw stores a text/plain body exactly as sent', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t, 'temp', 'raw');
    const body = "this is raw data, { 'not properly formatted json' }";
    const res = await hook(t, pathOf(r.url), body, 'text/plain');
    expect(res.status).toBe(200);
    expect(res.json.value).toBe(body);
  });

  it('/raw stores an application/octet-stream body', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t, 'temp', 'raw');
    const res = await hook(t, pathOf(r.url), Buffer.from('bytes\x01\x02 ok', 'latin1'), 'application/octet-stream');
    expect(res.status).toBe(200);
    expect(res.json.value).toBe('bytes\x01\x02 ok');
  });

  it('/raw keeps JSON and form bodies as text, whitespace and all; no content type works too', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t, 'temp', 'raw');
    expect((await hook(t, pathOf(r.url), '{ "value": 1,  "x": [ 1 ] }', 'application/json')).json.value).toBe(
      '{ "value": 1,  "x": [ 1 ] }',
    );
    expect((await hook(t, pathOf(r.url), '{"broken', 'application/json')).json.value).toBe('{"broken');
    expect((await hook(t, pathOf(r.url), 'a=1&b=2', 'application/x-www-form-urlencoded')).json.value).toBe('a=1&b=2');
    expect((await hook(t, pathOf(r.url), 'no type')).json.value).toBe('no type');
  });

  it('/raw cuts a body longer than the value limit (1 KB with history) and refuses an empty one', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t, 'temp', 'raw');
    const res = await hook(t, pathOf(r.url), 'z'.repeat(5000), 'text/plain');
    expect(res.status).toBe(200);
    expect(res.json.value).toBe('z'.repeat(1024));
    const empty = await hook(t, pathOf(r.url), '', 'text/plain');
    expect(empty.status).toBe(422);
    expect(typeof empty.json.error).toBe('string');
  });

  it('/notify stores "ping", whatever was sent (nothing, JSON, broken JSON, bytes)', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t, 'temp', 'notify');
    for (const [body, type] of [
      [undefined, undefined],
      ['{"value":"ignored"}', 'application/json'],
      ['{"broken', 'application/json'],
      [Buffer.from([0, 1, 2]), 'application/octet-stream'],
    ] as const) {
      const res = await hook(t, pathOf(r.url), body, type);
      expect(res.status).toBe(200);
      expect(res.json.value).toBe('ping');
    }
  });

  it('receiver tokens never reach a log line', () => {
    expect(redactUrl('/api/v2/webhooks/feed/wCTd1eGUXzsVyVUT99TCRhh3qBpZ')).toBe('/api/v2/webhooks/feed/[redacted]');
    expect(redactUrl('/api/v2/webhooks/feed/wCTd1eGUXzsVyVUT99TCRhh3qBpZ/raw?x=1')).toBe('/api/v2/webhooks/feed/[redacted]/raw?x=1');
  });

  it('any receiver’s token answers on all three paths', async ({ t }) => {
    await makeFeed(t);
    const r = await makeReceiver(t, 'temp', 'data');
    expect((await hook(t, `${pathOf(r.url)}/raw`, 'raw!', 'text/plain')).json.value).toBe('raw!');
    expect((await hook(t, `${pathOf(r.url)}/notify`)).json.value).toBe('ping');
  });
});

describe('webhooks and MQTT', () => {
  it('a webhook post reaches an MQTT subscriber of the feed', async () => {
    const m = await makeMqtt();
    try {
      const { client, inbox } = await m.listen(m.alice, ['alice/feeds/temp', 'alice/f/temp/json']);
      await m.req('POST', '/api/v2/alice/feeds', { body: { name: 'temp' } });
      const r = (await m.req('POST', '/api/v2/alice/feeds/temp/webhooks', { body: {} })).json;
      const res = await m.app.inject({
        method: 'POST',
        url: new URL(r.url).pathname,
        headers: { 'content-type': 'application/json' },
        payload: '{"value":"from a webhook"}',
      });
      expect(res.statusCode).toBe(200);
      expect((await inbox.waitFor((x) => x.topic === 'alice/feeds/temp')).payload).toBe('from a webhook');
      const json = await inbox.waitFor((x) => x.topic === 'alice/f/temp/json');
      expect(JSON.parse(json.payload)).toMatchObject({ value: 'from a webhook', feed_key: 'temp' });
      const raw = await m.app.inject({
        method: 'POST',
        url: `${new URL(r.url).pathname}/raw`,
        headers: { 'content-type': 'text/plain' },
        payload: 'raw one',
      });
      expect(raw.statusCode).toBe(200);
      expect((await inbox.waitFor((x) => x.topic === 'alice/feeds/temp' && x.payload === 'raw one')).payload).toBe('raw one');
      await m.barrier(client, inbox);
    } finally {
      await m.close();
    }
  });
});
