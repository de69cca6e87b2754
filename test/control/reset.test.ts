import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlled, type Controlled } from './helpers.js';

const KEY = 'alice-key-0123456789';
const BOB_KEY = 'bob-key-0123456789ab';

let t: Controlled | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Alice and bob (both configured) with a feed, a point, a dashboard and a token each. */
async function populated(config = {}) {
  t = await startControlled({ extraUsers: [{ username: 'bob', key: BOB_KEY }], ...config });
  const tokens: Record<string, string> = {};
  for (const [user, key] of [
    ['alice', KEY],
    ['bob', BOB_KEY],
  ] as const) {
    expect((await t.api('POST', `/${user}/feeds/temp/data`, key, { value: 1 })).status).toBe(200);
    expect((await t.api('POST', `/${user}/dashboards`, key, { name: 'Home' })).status).toBe(201);
    tokens[user] = (await t.api('POST', `/${user}/tokens`, key, {})).json.key;
  }
  return { t, tokens };
}

describe('POST /_aio/accounts/{user}/reset', () => {
  it('empties the account, keeps its key, leaves others alone and disconnects its MQTT clients when asked', async () => {
    const { t, tokens } = await populated();
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.server.mqttPort}`, {
      username: 'alice',
      password: KEY,
      clientId: 'alice-device',
      clean: false,
      reconnectPeriod: 0,
    });
    await client.subscribeAsync('alice/f/temp', { qos: 1 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));

    const res = await t.ctl('POST', '/_aio/accounts/alice/reset', { disconnect: true });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ account: 'alice', disconnected: true });
    await closed;

    expect((await t.api('GET', '/alice/feeds', KEY)).json).toEqual([]);
    expect((await t.api('GET', '/alice/dashboards', KEY)).json).toEqual([]);
    expect((await t.api('GET', '/alice/groups', KEY)).json.map((g: { key: string }) => g.key)).toEqual(['default']);
    expect((await t.api('GET', '/alice/activities', KEY)).json).toEqual([]);
    expect((await t.api('GET', '/alice/feeds', tokens.alice!)).status).toBe(401);
    // The persistent session went too: nothing is queued for the device any more.
    expect(t.server.core.sessions.everySubscription().filter((s) => s.clientId === 'alice-device')).toEqual([]);
    expect((await t.api('GET', '/bob/feeds', BOB_KEY)).json.map((f: { key: string }) => f.key)).toEqual(['temp']);
    expect((await t.api('GET', '/bob/feeds', tokens.bob!)).status).toBe(200);
    await client.endAsync(true);
  });

  it('keeps MQTT clients connected unless asked', async () => {
    t = await startControlled();
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.server.mqttPort}`, {
      username: 'alice',
      password: KEY,
      reconnectPeriod: 0,
    });
    expect((await t.ctl('POST', '/_aio/accounts/alice/reset', {})).json).toEqual({ account: 'alice', disconnected: false });
    // Still connected: a publish is stored in the emptied account.
    await client.publishAsync('alice/f/after', '7', { qos: 1 });
    expect((await t.api('GET', '/alice/feeds/after/data', KEY)).json.map((d: { value: string }) => d.value)).toEqual(['7']);
    await client.endAsync(true);
  });

  it('refills the rate bucket', async () => {
    t = await startControlled({ rateLimit: 3 });
    await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2026-01-15T12:00:00Z' });
    await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 1 });
    await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 2 });
    expect((await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 3 })).status).toBe(429);
    await t.ctl('POST', '/_aio/accounts/alice/reset');
    expect((await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 4 })).status).toBe(200);
  });

  it('answers 404 for an unknown account, 400 for a bad flag, 401 without the key', async () => {
    t = await startControlled();
    const missing = await t.ctl('POST', '/_aio/accounts/nobody/reset', {});
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatch(/nobody/);
    const bad = await t.ctl('POST', '/_aio/accounts/alice/reset', { disconnect: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/disconnect/);
    await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 1 });
    expect((await t.ctl('POST', '/_aio/accounts/alice/reset', {}, 'wrong-key-0123456789')).status).toBe(401);
    expect((await t.api('GET', '/alice/feeds', KEY)).json).toHaveLength(1);
  });
});

describe('POST /_aio/reset', () => {
  it('keep: every account stays with its key, emptied', async () => {
    const { t } = await populated();
    t.server.core.accounts.add('carol', 'carol-key-0123456789');
    const res = await t.ctl('POST', '/_aio/reset', { accounts: 'keep' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ accounts: ['alice', 'bob', 'carol'], deleted: [] });
    for (const [user, key] of [
      ['alice', KEY],
      ['bob', BOB_KEY],
      ['carol', 'carol-key-0123456789'],
    ]) {
      const feeds = await t.api('GET', `/${user}/feeds`, key!);
      expect(feeds.status).toBe(200);
      expect(feeds.json).toEqual([]);
    }
  });

  it('delete: only the configured accounts stay, with their configured key back', async () => {
    const { t } = await populated();
    t.server.core.accounts.add('carol', 'carol-key-0123456789');
    t.server.core.accounts.setKey('alice', 'a-new-key-0123456789');
    const res = await t.ctl('POST', '/_aio/reset', { accounts: 'delete' });
    expect(res.json).toEqual({ accounts: ['alice', 'bob'], deleted: ['carol'] });
    expect((await t.api('GET', '/carol/feeds', 'carol-key-0123456789')).status).toBe(401);
    expect((await t.api('GET', '/alice/feeds', KEY)).json).toEqual([]);
    expect((await t.api('GET', '/alice/feeds', 'a-new-key-0123456789')).status).toBe(401);
    expect((await t.api('GET', '/bob/feeds', BOB_KEY)).json).toEqual([]);
  });

  it('an empty body means keep; a bad value is a 400 and changes nothing', async () => {
    t = await startControlled();
    await t.api('POST', '/alice/feeds/temp/data', KEY, { value: 1 });
    const bad = await t.ctl('POST', '/_aio/reset', { accounts: 'all' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/accounts/);
    expect((await t.api('GET', '/alice/feeds', KEY)).json).toHaveLength(1);
    expect((await t.ctl('POST', '/_aio/reset', undefined, null)).status).toBe(401);
    const res = await t.ctl('POST', '/_aio/reset');
    expect(res.json).toEqual({ accounts: ['alice'], deleted: [] });
    expect((await t.api('GET', '/alice/feeds', KEY)).json).toEqual([]);
  });
});

describe('reset and the control plane’s own state', () => {
  const rule = (account: string | null) => ({
    account,
    door: 'http',
    match: { method: 'GET', path: '/api/v2/*/feeds' },
    action: { type: 'status', status: 503 },
  });

  it('an account reset drops that account’s fault rules and journal, and leaves the others', async () => {
    const { t } = await populated();
    const alices = (await t.ctl('POST', '/_aio/faults', rule('alice'))).json.id;
    const bobs = (await t.ctl('POST', '/_aio/faults', rule('bob'))).json.id;
    expect((await t.ctl('GET', '/_aio/accounts/alice/journal')).json.entries.length).toBeGreaterThan(0);

    expect((await t.ctl('POST', '/_aio/accounts/alice/reset', {})).status).toBe(200);
    expect((await t.ctl('GET', '/_aio/faults')).json.faults.map((f: { id: string }) => f.id)).toEqual([bobs]);
    expect((await t.ctl('GET', `/_aio/faults/${alices}`)).status).toBe(404);
    expect((await t.ctl('GET', '/_aio/accounts/alice/journal')).json.entries).toEqual([]);
    expect((await t.ctl('GET', '/_aio/accounts/bob/journal')).json.entries.length).toBeGreaterThan(0);
  });

  it('a whole reset drops every fault rule and the whole journal', async () => {
    const { t } = await populated();
    await t.ctl('POST', '/_aio/faults', rule('alice'));
    await t.ctl('POST', '/_aio/faults', rule(null));
    expect((await t.ctl('POST', '/_aio/reset', { accounts: 'keep' })).status).toBe(200);
    expect((await t.ctl('GET', '/_aio/faults')).json.faults).toEqual([]);
    for (const user of ['alice', 'bob']) {
      expect((await t.ctl('GET', `/_aio/accounts/${user}/journal`)).json.entries).toEqual([]);
    }
    // Traffic after the reset is journaled again.
    expect((await t.api('GET', '/alice/feeds', KEY)).status).toBe(200);
    expect((await t.ctl('GET', '/_aio/accounts/alice/journal')).json.entries).toHaveLength(1);
  });
});
