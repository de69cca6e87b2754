// The fixtures of test/helpers.ts and test/mqtt/helpers.ts: a handle made for each test and closed
// after it, on a fake clock of the test's own when asked for. Tests in a describe run in order, so a
// later one checks what the fixture did to the handle of the one before.
import { existsSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { describe, expect } from 'vitest';
import { FakeClock, appTest, appTestWith, coreTestWith, type TestApp } from './helpers.js';
import { mqttTest, type MqttTest } from './mqtt/helpers.js';

describe('appTest', () => {
  let previous: TestApp | undefined;

  appTest('gives the test a handle that works', async ({ t }) => {
    expect((await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'temp' } })).status).toBe(201);
    previous = t;
  });

  appTest('closed the handle of the test before and gives this one a new, empty one', async ({ t }) => {
    expect(previous!.db.$client.open).toBe(false);
    expect(existsSync(previous!.dir)).toBe(false);
    expect(t).not.toBe(previous);
    expect((await t.req('GET', '/api/v2/alice/feeds')).json).toEqual([]);
  });

  appTest('runs on the wall clock', ({ t }) => {
    const before = Date.now();
    const now = t.core.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  describe('in a beforeEach hook', () => {
    let seen: TestApp | undefined;
    appTest.beforeEach(async ({ t }) => {
      seen = t;
      expect((await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'made-in-the-hook' } })).status).toBe(201);
    });

    appTest('is the handle the test then gets', async ({ t }) => {
      expect(t).toBe(seen);
      expect((await t.req('GET', '/api/v2/alice/feeds')).json.map((f: { key: string }) => f.key)).toEqual(['made-in-the-hook']);
    });
  });

  // Passes only if setting up `clock` throws: the body itself succeeds whenever it runs.
  appTest.fails('has no clock to give: a test asking for one fails before it starts', ({ clock }) => {
    expect(clock).toBeInstanceOf(FakeClock);
  });
});

describe('a fake clock', () => {
  const START = Date.parse('2024-03-10T06:59:59.250Z');
  const it = coreTestWith({ fakeClock: START, config: { rateLimit: 10 } });

  it('is the one the handle runs on, from the time given, and the handle has the config given', ({ t, clock }) => {
    expect(t.core.now()).toBe(START);
    clock.advance(1000);
    expect(t.core.now()).toBe(START + 1000);
    expect(t.config.rateLimit).toBe(10);
  });

  it('is new for each test', ({ t, clock }) => {
    expect(clock.ms).toBe(START);
    expect(t.core.now()).toBe(START);
  });

  appTestWith({ fakeClock: true })('starts where FakeClock starts when given `true`', ({ t, clock }) => {
    expect(clock.ms).toBe(new FakeClock().ms);
    expect(t.core.now()).toBe(clock.ms);
  });
});

describe('mqttTest', () => {
  let previous: { t: MqttTest; client: MqttClient } | undefined;

  mqttTest('connects clients to its broker', async ({ t }) => {
    const client = await t.connect();
    expect(client.connected).toBe(true);
    previous = { t, client };
  });

  mqttTest('ended the clients of the test before, and closed its broker and database', ({ t }) => {
    expect(previous!.client.connected).toBe(false);
    expect(previous!.t.broker.aedes.closed).toBe(true);
    expect(previous!.t.db.$client.open).toBe(false);
    expect(t).not.toBe(previous!.t);
  });
});
