import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers.js';
import { CONTROL_KEY, startControlled, type Controlled } from './helpers.js';

const KEY = 'alice-key-0123456789';
const T0 = Date.parse('2026-01-15T12:00:00Z');

let t: Controlled | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('clock routes', () => {
  it('GET answers now and the mode; PUT freezes or offsets; advance moves it; DELETE goes back', async () => {
    t = await startControlled();
    expect((await t.ctl('GET', '/_aio/clock')).json).toEqual({ now: '2026-01-15T12:00:00.000Z', mode: 'system', offset_ms: 0 });

    const frozen = await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2030-01-01T00:00:00Z' });
    expect(frozen.status).toBe(200);
    expect(frozen.json).toEqual({ now: '2030-01-01T00:00:00.000Z', mode: 'frozen', offset_ms: 0 });
    t.base.advance(10_000);
    expect((await t.ctl('GET', '/_aio/clock')).json.now).toBe('2030-01-01T00:00:00.000Z');

    const advanced = await t.ctl('POST', '/_aio/clock/advance', { ms: 90_000 });
    expect(advanced.json).toEqual({ now: '2030-01-01T00:01:30.000Z', mode: 'frozen', offset_ms: 0 });

    const offset = await t.ctl('PUT', '/_aio/clock', { mode: 'offset', offset_ms: -60_000 });
    expect(offset.json).toEqual({ now: new Date(T0 + 10_000 - 60_000).toISOString(), mode: 'offset', offset_ms: -60_000 });

    const back = await t.ctl('DELETE', '/_aio/clock');
    expect(back.json).toEqual({ now: new Date(T0 + 10_000).toISOString(), mode: 'system', offset_ms: 0 });
  });

  it('refuses bad input with 400 {error} and leaves the clock alone', async () => {
    t = await startControlled();
    for (const [method, path, body, field] of [
      ['PUT', '/_aio/clock', { mode: 'sideways' }, /mode/],
      ['PUT', '/_aio/clock', { mode: 'frozen', at: 'someday' }, /at/],
      ['PUT', '/_aio/clock', { mode: 'frozen', at: '+300000-01-01T00:00:00Z' }, /at/],
      ['PUT', '/_aio/clock', { mode: 'offset', offset_ms: '5' }, /offset_ms/],
      ['PUT', '/_aio/clock', [1], /object/],
      ['POST', '/_aio/clock/advance', { ms: -5 }, /ms/],
      ['POST', '/_aio/clock/advance', { ms: 1.5 }, /ms/],
      ['POST', '/_aio/clock/advance', {}, /ms/],
    ] as const) {
      const res = await t.ctl(method, path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toMatch(field);
    }
    expect((await t.ctl('GET', '/_aio/clock')).json).toEqual({ now: '2026-01-15T12:00:00.000Z', mode: 'system', offset_ms: 0 });
  });

  it('needs the bearer key, and an unknown clock path is a 404', async () => {
    t = await startControlled();
    expect((await t.ctl('POST', '/_aio/clock/advance', { ms: 1000 }, 'not-the-key-at-all')).status).toBe(401);
    expect((await t.ctl('GET', '/_aio/clock')).json.now).toBe('2026-01-15T12:00:00.000Z');
    expect((await t.ctl('POST', '/_aio/clock/rewind', { ms: 1000 })).status).toBe(404);
  });
});

describe('everything time-dependent follows it', () => {
  it('created_at of a new point is the frozen time', async () => {
    t = await startControlled();
    await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2031-03-04T05:06:07Z' });
    const res = await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 21 });
    expect(res.status).toBe(200);
    expect(res.json.created_at).toBe('2031-03-04T05:06:07Z');
  });

  it('an advance releases a throttle (429 → 200)', async () => {
    // Three a minute: the first post takes two (it creates the feed), the second one.
    t = await startControlled({ rateLimit: 3 });
    await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2026-01-15T12:00:00Z' });
    expect((await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 1 })).status).toBe(200);
    expect((await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 2 })).status).toBe(200);
    expect((await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 3 })).status).toBe(429);
    await t.ctl('POST', '/_aio/clock/advance', { ms: 60_000 });
    expect((await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 4 })).status).toBe(200);
  });

  it('an advance expires a token over HTTP (200 → 403) and closes its MQTT session', async () => {
    t = await startControlled();
    const token = await t.api('POST', '/alice/tokens', KEY, { expiration: '2026-01-15T13:00:00Z' });
    expect(token.status).toBe(200);
    expect((await t.api('GET', '/alice/feeds', token.json.key)).status).toBe(200);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.server.mqttPort}`, {
      username: 'alice',
      password: token.json.key,
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await t.ctl('POST', '/_aio/clock/advance', { ms: 2 * 3_600_000 });
    await closed;
    const res = await t.api('GET', '/alice/feeds', token.json.key);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatch(/expired/);
    await client.endAsync(true);
  });

  it('a schedule due every minute runs once after an advance of an hour, not 60 times', async () => {
    // The actions' own timer never ticks here: only the clock's jump can run the schedule.
    t = await startControlled({ actions: { ...testConfig().actions, tickMs: 86_400_000 } });
    await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2026-01-15T12:00:30Z' });
    await t.api('POST', '/alice/feeds', KEY, { name: 'fan' });
    const action = await t.api('POST', '/alice/actions', KEY, {
      trigger_type: 'scheduled',
      schedule: '* * * * *',
      action: 'feed',
      action_feed_id: 'fan',
      action_value: 'ON',
    });
    expect(action.status).toBe(200);
    await t.ctl('POST', '/_aio/clock/advance', { ms: 3_600_000 });
    await t.server.core.actions.engine.settled();
    const data = await t.api('GET', '/alice/feeds/fan/data', KEY);
    expect(data.json.map((d: { value: string; created_at: string }) => [d.value, d.created_at])).toEqual([['ON', '2026-01-15T13:00:30Z']]);
  });

  it('retention follows it: points older than AIO_RETENTION_DAYS go when the clock passes them', async () => {
    t = await startControlled({ retentionDays: 30 });
    await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 'old' });
    await t.ctl('POST', '/_aio/clock/advance', { ms: 29 * 86_400_000 });
    await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 'new' });
    expect((await t.api('GET', '/alice/feeds/temp/data', KEY)).json).toHaveLength(2);
    await t.ctl('POST', '/_aio/clock/advance', { ms: 2 * 86_400_000 });
    expect((await t.api('GET', '/alice/feeds/temp/data', KEY)).json.map((d: { value: string }) => d.value)).toEqual(['new']);
  });

  it('time topics publish the new time once after an advance', async () => {
    t = await startControlled();
    await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2026-01-15T12:00:00Z' });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.server.mqttPort}`, {
      username: 'alice',
      password: KEY,
      reconnectPeriod: 0,
    });
    const got: string[] = [];
    const next = new Promise<void>((resolve) =>
      client.on('message', (_topic, payload) => {
        got.push(payload.toString());
        resolve();
      }),
    );
    await client.subscribeAsync('time/ISO-8601');
    await t.ctl('POST', '/_aio/clock/advance', { ms: 86_400_000 });
    await next;
    expect(got[0]).toBe('2026-01-16T12:00:00.000Z');
    await client.endAsync(true);
  });
});

it('uses the control key, never an account key', async () => {
  t = await startControlled();
  expect((await t.ctl('GET', '/_aio/clock', undefined, KEY)).status).toBe(401);
  expect((await t.ctl('GET', '/_aio/clock', undefined, CONTROL_KEY)).status).toBe(200);
});
