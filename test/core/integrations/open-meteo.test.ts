// The Open-Meteo provider against a fake upstream started here (no network): field mapping, one
// upstream call per location per refresh interval however many readers, and an upstream failure
// answered with the last good value plus a message on `{user}/errors`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { FakeClock } from '../../helpers.js';
import { makeMqtt, type MqttTest } from '../../mqtt/helpers.js';

const NOW = Date.parse('2026-01-15T12:00:00Z') / 1000;
const HOUR = 3600;
const DAY = 86_400;

function weatherAnswer() {
  const hours = Array.from({ length: 48 }, (_, i) => NOW - 12 * HOUR + i * HOUR);
  const days = Array.from({ length: 7 }, (_, i) => NOW - 12 * HOUR + i * DAY);
  return {
    current: {
      time: NOW,
      temperature_2m: temperature,
      apparent_temperature: 48,
      relative_humidity_2m: 81,
      weather_code: 3,
      wind_speed_10m: 9.1,
      wind_direction_10m: 200,
      precipitation_probability: 20,
      cloud_cover: 100,
      pressure_msl: 1012,
    },
    hourly: {
      time: hours,
      // The value of each hour is its offset from now, so the test can tell which hour was read.
      temperature_2m: hours.map((t) => (t - NOW) / HOUR),
      weather_code: hours.map(() => 61),
      relative_humidity_2m: hours.map(() => 50),
      precipitation_probability: hours.map(() => 70),
    },
    daily: {
      time: days,
      weather_code: days.map(() => 0),
      temperature_2m_max: days.map((_, i) => 60 + i),
      temperature_2m_min: days.map((_, i) => 40 + i),
      precipitation_probability_max: days.map(() => 10),
      wind_speed_10m_max: days.map(() => 12),
      relative_humidity_2m_mean: days.map(() => 65),
    },
  };
}

function airAnswer() {
  const hours = Array.from({ length: 48 }, (_, i) => NOW - 12 * HOUR + i * HOUR);
  // Today (UTC) runs from NOW-12h to NOW+12h; tomorrow's hours have AQI 160 at worst.
  const aqi = hours.map((t) => (t >= NOW + 12 * HOUR ? (t === NOW + 20 * HOUR ? 160 : 90) : t === NOW ? 55 : 30));
  return {
    current: { time: NOW, us_aqi: 55, pm2_5: 13.2, pm10: 20, ozone: 70, nitrogen_dioxide: 12, carbon_monoxide: 200, sulphur_dioxide: 2 },
    hourly: {
      time: hours,
      us_aqi: aqi,
      pm2_5: hours.map(() => 10),
      pm10: hours.map(() => 15),
      ozone: hours.map(() => 60),
      nitrogen_dioxide: hours.map(() => 8),
      carbon_monoxide: hours.map(() => 150),
      sulphur_dioxide: hours.map(() => 1),
    },
  };
}

let upstream: Server;
let base: string;
let calls: URL[];
let failing: boolean;
/** The current temperature the fake upstream reports. */
let temperature: number;
let t: MqttTest;

beforeEach(async () => {
  calls = [];
  failing = false;
  temperature = 50.5;
  upstream = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    calls.push(url);
    if (failing) {
      res.writeHead(500).end('{"error":true,"reason":"down"}');
      return;
    }
    const body = url.pathname === '/v1/forecast' ? weatherAnswer() : url.pathname === '/v1/air-quality' ? airAnswer() : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await t?.close();
  await new Promise((resolve) => upstream.close(resolve));
});

async function start(clock: FakeClock) {
  const integrations = loadConfig({
    AIO_WEATHER_PROVIDER: 'open-meteo',
    AIO_OPEN_METEO_URL: base,
    AIO_OPEN_METEO_AIR_URL: `${base}/`,
  }).integrations;
  t = await makeMqtt({ clock: clock.now, config: { integrations } });
}

describe('Open-Meteo provider', () => {
  it('maps the forecast API to the Dark Sky fields the clients read', async () => {
    const clock = new FakeClock(NOW * 1000);
    await start(clock);
    const id = (await t.req('POST', '/api/v2/alice/integrations/weather', { body: { location: '40.7, -74.0', name: 'NYC' } })).json.id;
    const res = await t.req('GET', `/api/v2/alice/integrations/weather/${id}`);
    expect(res.status).toBe(200);
    expect(res.json.current).toMatchObject({
      summary: 'Overcast',
      temperature: 50.5,
      humidity: 0.81,
      windSpeed: 9.1,
      precipProbability: 0.2,
    });
    expect(res.json.forecast_hours_6).toMatchObject({ summary: 'Light rain', temperature: 6, precipProbability: 0.7 });
    expect(res.json.forecast_minutes_30.temperature).toBe(0);
    expect(res.json.forecast_days_2).toMatchObject({ summary: 'Clear', temperatureHigh: 62, temperatureLow: 42, precipProbability: 0.1 });
    expect(res.json.forecast_days_5.temperatureHigh).toBe(65);
    const q = calls[0]!.searchParams;
    expect(calls[0]!.pathname).toBe('/v1/forecast');
    expect([q.get('latitude'), q.get('longitude'), q.get('temperature_unit')]).toEqual(['40.7', '-74', 'fahrenheit']);
  });

  it('maps the air-quality API: current, and the worst hour of today and tomorrow', async () => {
    const clock = new FakeClock(NOW * 1000);
    await start(clock);
    const id = (await t.req('POST', '/api/v2/alice/integrations/air_quality', { body: { location: '40.7,-74.0' } })).json.id;
    const res = await t.req('GET', `/api/v2/alice/integrations/air_quality/${id}`);
    expect(res.status).toBe(200);
    expect(res.json.current).toMatchObject({ aqi: 55, category: 'Moderate', pm2_5: 13.2 });
    expect(res.json.forecast_today).toMatchObject({ aqi: 55, pm2_5: 10 });
    expect(res.json.forecast_tomorrow).toMatchObject({ aqi: 160, category: 'Unhealthy' });
    expect(calls.map((u) => u.pathname)).toEqual(['/v1/air-quality']);
  });

  it('makes one upstream call per location per refresh interval, however many readers and subscribers', async () => {
    const clock = new FakeClock(NOW * 1000);
    await start(clock);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await t.req('POST', '/api/v2/alice/integrations/weather', { body: { location: '40.7,-74.0', name: `n${i}` } })).json.id);
    const topics = ids.map((id) => `alice/integration/weather/${id}/current`);
    const listeners = await Promise.all(Array.from({ length: 10 }, () => t.listen(t.alice, topics)));
    await Promise.all(listeners.flatMap(({ inbox }) => topics.map((topic) => inbox.waitFor((m) => m.topic === topic))));
    await Promise.all(ids.map((id) => t.req('GET', `/api/v2/alice/integrations/weather/${id}`)));
    await t.core.integrations.tick();
    expect(calls).toHaveLength(1);

    clock.advance(t.config.integrations.refreshMs);
    await t.core.integrations.tick();
    await t.req('GET', `/api/v2/alice/integrations/weather/${ids[0]}`);
    expect(calls).toHaveLength(2);
  });

  it('a subscriber gets the new forecast when a refresh brings a change, and nothing when it does not', async () => {
    const clock = new FakeClock(NOW * 1000);
    await start(clock);
    const id = (await t.req('POST', '/api/v2/alice/integrations/weather', { body: { location: '40.7,-74.0' } })).json.id;
    const topic = `alice/integration/weather/${id}/current`;
    const { client, inbox } = await t.listen(t.alice, [topic]);
    expect(JSON.parse((await inbox.waitFor((m) => m.topic === topic)).payload).temperature).toBe(50.5);

    inbox.clear();
    clock.advance(t.config.integrations.refreshMs);
    await t.core.integrations.tick();
    await t.barrier(client, inbox);
    expect(inbox.withoutBarrier()).toEqual([]);

    temperature = 33;
    clock.advance(t.config.integrations.refreshMs);
    await t.core.integrations.tick();
    expect(JSON.parse((await inbox.waitFor((m) => m.topic === topic)).payload).temperature).toBe(33);
    expect(calls).toHaveLength(3);
  });

  it('an upstream failure keeps the last good value and tells {user}/errors; with no value yet, a 503', async () => {
    const clock = new FakeClock(NOW * 1000);
    await start(clock);
    const id = (await t.req('POST', '/api/v2/alice/integrations/weather', { body: { location: '40.7,-74.0' } })).json.id;
    const good = (await t.req('GET', `/api/v2/alice/integrations/weather/${id}`)).json.current;
    expect(good.summary).toBe('Overcast');

    failing = true;
    const { inbox } = await t.listen(t.alice, ['alice/errors', `alice/integration/weather/${id}/current`]);
    await inbox.waitFor((m) => m.topic.endsWith('/current'));
    clock.advance(t.config.integrations.refreshMs);
    await t.core.integrations.tick();
    const report = await inbox.waitFor((m) => m.topic === 'alice/errors');
    expect(report.payload).toMatch(/weather provider open-meteo failed .*500.*last good value/);
    const res = await t.req('GET', `/api/v2/alice/integrations/weather/${id}`);
    expect(res.status).toBe(200);
    expect(res.json.current).toEqual(good);

    // A place never fetched has nothing to fall back on.
    const other = (await t.req('POST', '/api/v2/alice/integrations/weather', { body: { location: '1,1' } })).json.id;
    const none = await t.req('GET', `/api/v2/alice/integrations/weather/${other}`);
    expect(none.status).toBe(503);
    expect(none.json.error).toMatch(/unavailable/);
  });
});
