import { describe, expect } from 'vitest';
import { appTestWith, type TestApp } from '../helpers.js';
import { mqttTestWith } from '../mqtt/helpers.js';

const TOKEN = 'metrics-token-0123456789';
const it = appTestWith({ config: { metricsToken: TOKEN, rateLimit: 5 } });
const off = appTestWith({});
const mqttIt = mqttTestWith({ config: { metricsToken: TOKEN } });

/** `auth`: the Authorization header, null for none. */
async function scrape(t: Pick<TestApp, 'app'>, auth: string | null = `Bearer ${TOKEN}`) {
  const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: auth === null ? {} : { authorization: auth } });
  return { status: res.statusCode, text: res.body, type: res.headers['content-type'] };
}

/** The value of one sample line, e.g. `aio_data_points_written_total{door="http"}`. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no sample ${name} in:\n${text}`);
  return Number(line.slice(name.length + 1));
}

describe('GET /metrics', () => {
  it('answers the bearer of AIO_METRICS_TOKEN in Prometheus text format, with process and event-loop figures', async ({ t }) => {
    const res = await scrape(t);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE aio_data_points_written_total counter');
    expect(res.text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(res.text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(sample(res.text, 'aio_db_file_bytes{file="main"}')).toBeGreaterThan(0);
  });

  it('refuses a request without the token, or with another one, with a 401 JSON error', async ({ t }) => {
    for (const auth of [null, 'Bearer wrong-token-0123456789', TOKEN, `Basic ${TOKEN}`]) {
      const res = await scrape(t, auth);
      expect([auth, res.status]).toEqual([auth, 401]);
      expect(JSON.parse(res.text).error).toMatch(/^not authorized - \/metrics needs the header Authorization: Bearer/);
    }
    // An account key is no metrics token.
    const keyed = await t.req('GET', '/metrics', { headers: { authorization: `Bearer ${t.alice.key}` } });
    expect(keyed.status).toBe(401);
  });

  off('does not exist when AIO_METRICS_TOKEN is not set (404), and the core keeps no registry', async ({ t }) => {
    const res = await scrape(t);
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toEqual({ error: expect.stringMatching(/not found/) });
    expect(t.core.metrics).toBeUndefined();
    // The data path works without it.
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1 } })).status).toBe(200);
  });

  it('counts committed HTTP and webhook points per door, throttled writes and group commits', async ({ t }) => {
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1 } })).status).toBe(200);
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: [{ value: 2 }, { value: 3 }] })).status).toBe(200);
    const hook = await t.req('POST', '/api/v2/alice/feeds/temp/webhooks', { body: {} });
    const posted = await t.app.inject({
      method: 'POST',
      url: `/api/v2/webhooks/feed/${hook.json.token}`,
      headers: { 'content-type': 'application/json' },
      payload: '{"value":4}',
    });
    expect(posted.statusCode).toBe(200);
    // The budget of 5 is spent (feed create, 3 points, 1 webhook point): two refusals.
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 5 } })).status).toBe(429);
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 6 } })).status).toBe(429);
    // A refused write is not counted as written; another account's refused post neither.
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { as: t.bob, body: { value: 7 } })).status).toBe(403);
    const { text } = await scrape(t);
    expect(sample(text, 'aio_data_points_written_total{door="http"}')).toBe(3);
    expect(sample(text, 'aio_data_points_written_total{door="webhook"}')).toBe(1);
    expect(sample(text, 'aio_data_points_written_total{door="mqtt"}')).toBe(0);
    expect(sample(text, 'aio_throttled_writes_total')).toBe(2);
    // Five group commits (post, batch, webhook and the two refused posts, refused inside theirs) of one
    // write each; bob's post was refused before it reached the queue.
    expect(sample(text, 'aio_group_commit_batch_size_count')).toBe(5);
    expect(sample(text, 'aio_group_commit_batch_size_sum')).toBe(5);
    expect(sample(text, 'aio_group_commit_batch_size_bucket{le="1"}')).toBe(5);
    expect(sample(text, 'aio_group_commit_seconds_count')).toBe(5);
    expect(sample(text, 'aio_group_commit_seconds_bucket{le="+Inf"}')).toBe(5);
  });

  it('counts the writes of one turn as one group commit of their number', async ({ t }) => {
    const posts = Array.from({ length: 4 }, (_, i) => t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: [{ value: i }] }));
    expect((await Promise.all(posts)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const { text } = await scrape(t);
    const commits = sample(text, 'aio_group_commit_batch_size_count');
    expect(sample(text, 'aio_group_commit_batch_size_sum')).toBe(4);
    // Inject parses each body in its own turn, so they may not all share one; but never more commits than writes.
    expect(commits).toBeGreaterThanOrEqual(1);
    expect(commits).toBeLessThanOrEqual(4);
    expect(sample(text, 'aio_data_points_written_total{door="http"}')).toBe(4);
  });
});

describe('GET /metrics: the MQTT door', () => {
  mqttIt('counts connections, subscriptions, publishes in, deliveries out and points written over MQTT', async ({ t }) => {
    const { client, inbox } = await t.listen(t.alice, ['alice/f/temp', 'alice/f/temp/json']);
    const other = await t.connect(t.bob);
    let text = (await scrape(t)).text;
    expect(sample(text, 'aio_mqtt_connections')).toBe(2);
    // Two filters and the barrier feed's.
    expect(sample(text, 'aio_mqtt_subscriptions')).toBe(3);
    await client.publishAsync('alice/f/temp', '21.5', { qos: 1 });
    await inbox.waitFor((m) => m.topic === 'alice/f/temp/json');
    await inbox.waitFor((m) => m.topic === 'alice/f/temp' && m.payload === '21.5');
    await other.endAsync();
    text = (await scrape(t)).text;
    expect(sample(text, 'aio_mqtt_publishes_received_total')).toBe(1);
    expect(sample(text, 'aio_data_points_written_total{door="mqtt"}')).toBe(1);
    expect(sample(text, 'aio_data_points_written_total{door="http"}')).toBe(0);
    expect(sample(text, 'aio_mqtt_deliveries_total')).toBe(2);
    expect(sample(text, 'aio_mqtt_connections')).toBe(1);
  });
});
