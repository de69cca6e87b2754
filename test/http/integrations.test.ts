// Integrations over HTTP (compat-notes §2.8): randomizers (`integrations/words`), weather and air
// quality, with the fixture provider and a fake clock.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { FakeClock, makeApp, tempDir, type TestApp } from '../helpers.js';

const BASE = '/api/v2/alice/integrations';

let t: TestApp;
afterEach(() => t?.close());

describe('randomizers (integrations/words)', () => {
  it('creates one, and its value (what receive_random prints) holds for its interval and then changes', async () => {
    const clock = new FakeClock();
    t = await makeApp({ clock: clock.now });
    const made = await t.req('POST', `${BASE}/words`, { body: { name: 'w', generator: 'words', interval: 60 } });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ id: expect.any(Number), name: 'w', generator: 'words', interval: 60 });
    const id = made.json.id as number;

    const first = await t.req('GET', `${BASE}/words/${id}`);
    expect(first.status).toBe(200);
    expect(first.json.value).toMatch(/^[a-z]+$/);
    expect((await t.req('GET', `${BASE}/words/${id}`)).json.value).toBe(first.json.value);

    // Across many intervals a word list gives many different words, never a fixed answer.
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      clock.advance(60_000);
      seen.add((await t.req('GET', `${BASE}/words/${id}`)).json.value);
    }
    expect(seen.size).toBeGreaterThan(5);

    const list = await t.req('GET', `${BASE}/words`);
    expect(list.status).toBe(200);
    expect(list.json).toHaveLength(1);
    expect(list.json[0]).toMatchObject({ id, name: 'w' });
    expect(typeof list.json[0].value).toBe('string');
  });

  it('numbers stay in their range, colors are #rrggbb, pick chooses from its list', async () => {
    const clock = new FakeClock();
    t = await makeApp({ clock: clock.now });
    const num = (await t.req('POST', `${BASE}/words`, { body: { name: 'n', generator: 'number', min: 3, max: 5, interval: 1 } })).json.id;
    const color = (await t.req('POST', `${BASE}/words`, { body: { name: 'c', generator: 'color' } })).json.id;
    const pick = (await t.req('POST', `${BASE}/words`, { body: { name: 'p', generator: 'pick', values: 'red, green' } })).json.id;
    const nums = new Set<string>();
    for (let i = 0; i < 30; i++) {
      clock.advance(61_000);
      nums.add((await t.req('GET', `${BASE}/words/${num}`)).json.value);
      expect((await t.req('GET', `${BASE}/words/${color}`)).json.value).toMatch(/^#[0-9a-f]{6}$/);
      expect(['red', 'green']).toContain((await t.req('GET', `${BASE}/words/${pick}`)).json.value);
    }
    expect([...nums].sort()).toEqual(['3', '4', '5']);
  });

  it('refuses bad settings with 422 and a duplicate name', async () => {
    t = await makeApp();
    for (const body of [
      { generator: 'dice' },
      { generator: 'number', min: 9, max: 1 },
      { generator: 'pick' },
      { interval: 0 },
      { min: 'x' },
    ]) {
      const res = await t.req('POST', `${BASE}/words`, { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('POST', `${BASE}/words`, { body: { name: 'a' } })).status).toBe(201);
    expect((await t.req('POST', `${BASE}/words`, { body: { name: 'a' } })).status).toBe(422);
  });

  it('answers 404 for a missing or deleted record, and deletes with "OK"', async () => {
    t = await makeApp();
    expect((await t.req('GET', `${BASE}/words/999`)).status).toBe(404);
    expect((await t.req('GET', `${BASE}/words/abc`)).status).toBe(404);
    const id = (await t.req('POST', `${BASE}/words`, { body: {} })).json.id;
    const del = await t.req('DELETE', `${BASE}/words/${id}`);
    expect(del.status).toBe(200);
    expect(del.json).toBe('OK');
    expect((await t.req('GET', `${BASE}/words/${id}`)).status).toBe(404);
    expect((await t.req('DELETE', `${BASE}/words/${id}`)).status).toBe(404);
  });

  it("keeps users apart: bob cannot use alice's path, nor see her records under his own", async () => {
    t = await makeApp();
    const id = (await t.req('POST', `${BASE}/words`, { body: {} })).json.id;
    for (const [method, url] of [
      ['GET', `${BASE}/words`],
      ['GET', `${BASE}/words/${id}`],
      ['POST', `${BASE}/words`],
      ['DELETE', `${BASE}/words/${id}`],
      ['GET', `${BASE}/weather`],
      ['GET', `${BASE}/air_quality`],
    ] as const) {
      const res = await t.req(method, url, { as: t.bob, body: method === 'POST' ? {} : undefined });
      expect(res.status, `${method} ${url}`).toBe(403);
    }
    expect((await t.req('GET', `/api/v2/bob/integrations/words/${id}`, { as: t.bob })).status).toBe(404);
    expect((await t.req('GET', '/api/v2/bob/integrations/words', { as: t.bob })).json).toEqual([]);
  });
});

describe('weather', () => {
  it('creates from the Python (unwrapped) and CircuitPython (wrapped) bodies; one record carries every forecast', async () => {
    t = await makeApp();
    const py = await t.req('POST', `${BASE}/weather`, { body: { location: '40.726190, -74.005334', name: 'NYC' } });
    expect(py.status).toBe(201);
    expect(py.json).toMatchObject({ name: 'NYC', location: '40.726190, -74.005334' });
    const cp = await t.req('POST', `${BASE}/weather`, { body: { weather: { location: '51.5,-0.12', provider: 'apple' } } });
    expect(cp.status).toBe(201);
    expect(cp.json).toMatchObject({ name: '51.5,-0.12', provider: 'apple' });

    const list = await t.req('GET', `${BASE}/weather`);
    expect(list.json.map((r: { name: string }) => r.name)).toEqual(['NYC', '51.5,-0.12']);
    // The list is the records only, as the hosted service answers it.
    expect(list.json[0].current).toBeUndefined();

    // What examples/api/weather.py reads.
    const one = await t.req('GET', `${BASE}/weather/${py.json.id}`);
    expect(one.status).toBe(200);
    expect(typeof one.json.current.summary).toBe('string');
    expect(typeof one.json.current.temperature).toBe('number');
    expect(typeof one.json.forecast_days_2.temperatureHigh).toBe('number');
    expect(typeof one.json.forecast_days_5.temperatureLow).toBe('number');
    for (const type of [
      'forecast_minutes_5',
      'forecast_minutes_30',
      'forecast_hours_1',
      'forecast_hours_2',
      'forecast_hours_6',
      'forecast_hours_24',
      'forecast_days_1',
    ]) {
      expect(one.json[type], type).toBeTypeOf('object');
    }
  });

  it('serves the values of the fixture file named by AIO_INTEGRATIONS_FIXTURE', async () => {
    const tmp = tempDir();
    const path = join(tmp.dir, 'fixture.json');
    writeFileSync(
      path,
      JSON.stringify({ weather: { current: { summary: 'Fixture fog', temperature: 12.5 } }, air_quality: { current: { aqi: 7 } } }),
    );
    t = await makeApp({ config: { integrations: loadConfig({ AIO_INTEGRATIONS_FIXTURE: path }).integrations } });
    const id = (await t.req('POST', `${BASE}/weather`, { body: { location: '1,2' } })).json.id;
    const one = await t.req('GET', `${BASE}/weather/${id}`);
    expect(one.json.current).toEqual({ summary: 'Fixture fog', temperature: 12.5 });
    // Types the file leaves out keep the built-in samples.
    expect(typeof one.json.forecast_days_2.summary).toBe('string');
    const aq = (await t.req('POST', `${BASE}/air_quality`, { body: { location: '1,2' } })).json.id;
    expect((await t.req('GET', `${BASE}/air_quality/${aq}/current`)).json).toEqual({ aqi: 7 });
    tmp.cleanup();
  });

  it('refuses a missing or malformed location with 422', async () => {
    t = await makeApp();
    for (const body of [{}, { location: '' }, { location: 'Paris' }, { location: '91, 0' }, { location: '0, 181' }]) {
      const res = await t.req('POST', `${BASE}/weather`, { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
  });

  it('answers 404 for a missing record and deletes', async () => {
    t = await makeApp();
    expect((await t.req('GET', `${BASE}/weather/5`)).status).toBe(404);
    const id = (await t.req('POST', `${BASE}/weather`, { body: { location: '1,2' } })).json.id;
    // A weather id is not an air-quality id.
    expect((await t.req('GET', `${BASE}/air_quality/${id}`)).status).toBe(404);
    expect((await t.req('DELETE', `${BASE}/weather/${id}`)).status).toBe(200);
    expect((await t.req('GET', `${BASE}/weather/${id}`)).status).toBe(404);
  });
});

describe('air quality', () => {
  it('creates, reads all forecasts or one, and refuses an unknown forecast type', async () => {
    t = await makeApp();
    const made = await t.req('POST', `${BASE}/air_quality`, {
      body: { air_quality: { location: '40.726190,-74.005360', name: 'New York City, NY', provider: 'open_meteo' } },
    });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ name: 'New York City, NY', provider: 'open_meteo' });
    const one = await t.req('GET', `${BASE}/air_quality/${made.json.id}`);
    for (const type of ['current', 'forecast_today', 'forecast_tomorrow']) expect(typeof one.json[type].pm2_5, type).toBe('number');
    const current = await t.req('GET', `${BASE}/air_quality/${made.json.id}/current`);
    expect(current.status).toBe(200);
    expect(current.json).toEqual(one.json.current);
    expect((await t.req('GET', `${BASE}/air_quality/${made.json.id}/forecast_next_week`)).status).toBe(404);
    expect((await t.req('GET', `${BASE}/air_quality/77/current`)).status).toBe(404);
    expect((await t.req('POST', `${BASE}/air_quality`, { body: { location: 'x' } })).status).toBe(422);
    expect((await t.req('GET', `${BASE}/air_quality/${made.json.id}`, { as: t.bob })).status).toBe(403);
    expect((await t.req('DELETE', `${BASE}/air_quality/${made.json.id}`)).status).toBe(200);
    expect((await t.req('GET', `${BASE}/air_quality/${made.json.id}`)).status).toBe(404);
  });
});
