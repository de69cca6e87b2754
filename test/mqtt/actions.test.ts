// Actions end to end over the real wire: points published over MQTT (or posted over HTTP) fire
// actions whose outputs arrive on MQTT subscriptions, at a local HTTP receiver and at a local SMTP
// sink; failures and loops are reported on `{user}/errors`. Time moves only on the fake clock.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ActionSettings } from '../../src/config.js';
import { FakeClock } from '../helpers.js';
import { makeMqtt, type MqttTest } from './helpers.js';

const MIN = 60_000;
const BASE = '/api/v2/alice';

let t: MqttTest;
let clock: FakeClock;
let pub: MqttClient;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await t.close();
  for (const c of closers.splice(0)) await c();
});

async function start(actions: Partial<ActionSettings> = {}) {
  clock = new FakeClock();
  t = await makeMqtt({ clock: clock.now, config: { actions: { ...loadConfig({}).actions, ...actions } } });
  pub = await t.connect(t.alice);
}

async function feed(name: string, body: Record<string, unknown> = {}) {
  const res = await t.req('POST', `${BASE}/feeds`, { body: { name, ...body } });
  expect(res.status).toBe(201);
  return res.json as { id: number; key: string };
}

async function action(body: Record<string, unknown>) {
  const res = await t.req('POST', `${BASE}/actions`, { body });
  expect(res.status).toBe(200);
  return res.json as { id: number };
}

describe('actions over MQTT', () => {
  it('a publish fires a reactive action whose output arrives on another feed’s subscription', async () => {
    await start();
    const temp = await feed('Temp');
    const fan = await feed('Fan');
    await action({ feed_id: temp.id, operator: 'gt', value: '30', action: 'feed', action_feed_id: fan.id, action_value: 'ON' });
    const { client, inbox } = await t.listen(t.alice, ['alice/f/fan', 'alice/feeds/fan/json']);
    await pub.publishAsync('alice/f/temp', '25', { qos: 1 });
    await pub.publishAsync('alice/f/temp', '31', { qos: 1 });
    const got = await inbox.waitFor((m) => m.topic === 'alice/f/fan');
    expect(got.payload).toBe('ON');
    const record = JSON.parse((await inbox.waitFor((m) => m.topic === 'alice/feeds/fan/json')).payload);
    expect(record).toMatchObject({ value: 'ON', feed_key: 'fan' });
    await t.core.actions.settled();
    await t.barrier(pub, inbox);
    // One output: 25 did not pass, and the output is stored like any point.
    expect(inbox.list()).toEqual(['alice/f/fan ON', `alice/feeds/fan/json ${JSON.stringify(record)}`]);
    expect((await t.req('GET', `${BASE}/feeds/fan/data`)).json.map((d: { value: string }) => d.value)).toEqual(['ON']);
    await client.endAsync();
  });

  it('a loop A → B → A is cut and reported on {user}/errors (to its owner only)', async () => {
    await start({ cooldownMs: 0 });
    const a = await feed('A');
    const b = await feed('B');
    const ab = await action({ feed_id: a.id, operator: 'ne', value: '', action: 'feed', action_feed_id: b.id });
    const ba = await action({ feed_id: b.id, operator: 'ne', value: '', action: 'feed', action_feed_id: a.id });
    const alice = await t.listen(t.alice, ['alice/errors', 'alice/f/a', 'alice/f/b']);
    const bob = await t.listen(t.bob, ['bob/errors']);
    await pub.publishAsync('alice/f/a', 'ping', { qos: 1 });
    const report = await alice.inbox.waitFor((m) => m.topic === 'alice/errors');
    expect(report.payload).toBe(`action ${ab.id} not run: it would loop (action ${ab.id} → action ${ba.id} → action ${ab.id})`);
    await t.core.actions.settled();
    await t.barrier(pub, alice.inbox);
    expect(alice.inbox.list()).toEqual([`alice/errors ${report.payload}`, 'alice/f/a ping', 'alice/f/a ping', 'alice/f/b ping']);
    await t.barrier(await t.connect(t.bob), bob.inbox);
    expect(bob.inbox.list()).toEqual([]);
  });

  it('a feed going quiet turns offline at the right fake-clock minute (a timer action publishes it) and back online', async () => {
    await start();
    await feed('Sensor', { status_timeout: 10 });
    const alarm = await feed('Alarm');
    const sensor = (await t.req('GET', `${BASE}/feeds/sensor`)).json;
    await action({ trigger_type: 'timer', feed_id: sensor.id, operator: 'change', action: 'feed', action_feed_id: alarm.id });
    const { inbox } = await t.listen(t.alice, ['alice/f/alarm']);
    await pub.publishAsync('alice/f/sensor', '1', { qos: 1 });
    await inbox.waitFor((m) => m.payload === 'online');
    for (let minute = 1; minute <= 10; minute++) {
      clock.advance(MIN);
      t.core.actions.tick();
    }
    await t.core.actions.settled();
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/f/alarm online']);
    clock.advance(MIN);
    t.core.actions.tick();
    await inbox.waitFor((m) => m.payload === 'offline');
    expect((await t.req('GET', `${BASE}/feeds/sensor`)).json).toMatchObject({
      status: 'offline',
      feed_status_changes: [{ to_status: 'offline', created_at: '2026-01-15T12:11:00Z' }, { to_status: 'online' }],
    });
    clock.advance(MIN); // past the cooldown of the action that just ran
    await pub.publishAsync('alice/f/sensor', '2', { qos: 1 });
    await t.core.actions.settled();
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/f/alarm offline', 'alice/f/alarm online', 'alice/f/alarm online']);
  });

  it('a scheduled action publishes on its schedule', async () => {
    await start();
    await feed('Lamp');
    const lamp = (await t.req('GET', `${BASE}/feeds/lamp`)).json;
    await action({ trigger_type: 'scheduled', schedule: '*/30 * * * *', action: 'feed', action_feed_id: lamp.id, action_value: 'toggle' });
    const { inbox } = await t.listen(t.alice, ['alice/f/lamp']);
    clock.advance(29 * MIN);
    t.core.actions.tick();
    await t.core.actions.settled();
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual([]);
    clock.advance(MIN); // 12:30
    t.core.actions.tick();
    expect((await inbox.waitFor((m) => m.topic === 'alice/f/lamp')).payload).toBe('toggle');
  });

  it('a publish fires a webhook output that reaches a local HTTP receiver; one that fails is reported on {user}/errors', async () => {
    const bodies: unknown[] = [];
    const receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        res.writeHead(req.url === '/broken' ? 500 : 204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => receiver.close(() => resolve())));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    await start({ webhookRetries: 1, webhookRetryDelayMs: 0 });
    const door = await feed('Door');
    const ok = await action({ feed_id: door.id, operator: 'eq', value: 'open', action: 'webhook', action_url: `${url}/hook` });
    const broken = await action({ feed_id: door.id, operator: 'eq', value: 'open', action: 'webhook', action_url: `${url}/broken` });
    const { inbox } = await t.listen(t.alice, ['alice/errors']);
    await pub.publishAsync('alice/f/door', 'open', { qos: 1 });
    const report = await inbox.waitFor((m) => m.topic === 'alice/errors');
    expect(report.payload).toBe(`action ${broken.id} failed: webhook ${url}/broken failed: answered 500 (2 attempts)`);
    await t.core.actions.settled();
    expect(bodies).toContainEqual({ trigger_id: ok.id, feed_key: 'door', value: 'open', created_at: '2026-01-15T12:00:00Z' });
    expect(bodies).toHaveLength(3);
  });

  it('a publish fires an email output that reaches a local SMTP sink', async () => {
    const mails: Array<{ to: string[]; raw: string }> = [];
    const sink = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, done) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => sink.close(() => resolve())));
    await start({ smtpUrl: `smtp://127.0.0.1:${(sink.server.address() as AddressInfo).port}` });
    const temp = await feed('Freezer');
    await action({ feed_id: temp.id, operator: 'gt', value: '-10', action: 'email', action_email: 'me@example.test' });
    await pub.publishAsync('alice/f/freezer', '-4.5', { qos: 1 });
    await t.core.actions.settled();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['me@example.test']);
    expect(mails[0]!.raw).toMatch(/\r\n\r\n-4\.5\r\n/);
  });
});
