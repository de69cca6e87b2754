// The control plane from a test rig's side: real clients (mqtt.js, fetch) on real sockets against the
// whole server, driven through test/control/client.ts. The fault and journal details are tested at a
// lower level in the other files of this folder; these are the cases issue #18 names as a user sees them.

import mqtt, { type IClientOptions, type MqttClient, Store } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Control, ControlError, controlClient } from './client.js';
import { CONTROL_KEY, type Controlled, startControlled } from './helpers.js';

const USER = 'dev';
const KEY = 'dev-key-0123456789abcdef';

/**
 * Marks what it hands back for sending again as DUP, as firmware MQTT stacks do ([MQTT-3.3.1-1]);
 * mqtt.js resends its in-flight QoS 1 messages on reconnect but leaves the flag as it was.
 */
class DupMarkingStore extends Store {
  override createStream() {
    const stream = super.createStream();
    const read = stream.read.bind(stream);
    stream.read = (n?: number) => {
      const packet = read(n) as { cmd?: string; qos?: number; dup?: boolean } | null;
      if (packet?.cmd === 'publish' && (packet.qos ?? 0) > 0) packet.dup = true;
      return packet;
    };
    return stream;
  }
}

describe('real clients against the control plane', () => {
  let c: Controlled;
  let aio: Control;
  const clients: MqttClient[] = [];

  const mqttUrl = () => `mqtt://127.0.0.1:${c.server.mqttPort}`;
  const connect = async (opts: IClientOptions = {}) => {
    const client = await mqtt.connectAsync(mqttUrl(), {
      username: USER,
      password: KEY,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    });
    clients.push(client);
    return client;
  };
  const api = (method: string, path: string, body?: unknown, key = KEY) => c.api(method, `/${USER}${path}`, key, body);

  beforeAll(async () => {
    c = await startControlled();
    aio = controlClient(c.server.controlUrl!, CONTROL_KEY);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((cl) => cl.endAsync(true)));
    await aio.faults.clear();
    await aio.clock.system();
    await aio.reset('delete');
    await aio.journal.clear(USER);
  });
  afterAll(async () => {
    await c.close();
  });

  it('an mqtt.js client is refused with CONNACK 3 once, then connects; the journal has both CONNECTs', async () => {
    await aio.seed(USER, { key: KEY });
    const rule = await aio.faults.add({
      door: 'mqtt',
      account: USER,
      match: { packet: 'connect' },
      action: { type: 'refuse', return_code: 3 },
      times: 1,
    });
    expect(rule).toMatchObject({ door: 'mqtt', hits: 0 });

    const refused = await connect({ clientId: 'fw-1' }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 3 });
    const client = await connect({ clientId: 'fw-1' });
    expect(client.connected).toBe(true);

    expect((await aio.faults.get(rule.id)).hits).toBe(1);
    const connects = await aio.journal.waitFor(USER, { door: 'mqtt', packet: 'connect' }, { count: 2 });
    expect(connects.map((e) => [e.client_id, e.fault])).toEqual([
      ['fw-1', rule.id],
      ['fw-1', null],
    ]);
    // The password the device sent is not in the journal.
    expect(JSON.stringify(await aio.journal.list(USER))).not.toContain(KEY);
  });

  /**
   * Publishes `value` QoS 1 as firmware does under `rule`: no PUBACK comes, so after the journal shows
   * the PUBLISH arrived the connection is dropped and the message sent again with DUP set.
   */
  const publishUnacked = async (rule: string, value: string) => {
    const since = (await aio.journal.list(USER)).next_since;
    const client = await connect({ clientId: 'fw-dup', clean: false, outgoingStore: new DupMarkingStore() });
    let acked = false;
    const published = client.publishAsync(`${USER}/feeds/temp`, value, { qos: 1 }).then(() => {
      acked = true;
    });
    const [first] = await aio.journal.waitFor(USER, { door: 'mqtt', packet: 'publish', dir: 'in' }, { since });
    expect(first).toMatchObject({ topic: `${USER}/feeds/temp`, qos: 1, payload: value, dup: false });
    await aio.journal.waitFor(USER, { door: 'mqtt', fault: rule }, { since });
    expect(acked).toBe(false);
    await new Promise<void>((resolve) => {
      client.once('close', () => resolve());
      client.stream.destroy();
    });
    // Handing the stores back keeps the in-flight message (a bare reconnect() starts with empty ones).
    client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    await published;
    const publishes = await aio.journal.waitFor(USER, { door: 'mqtt', packet: 'publish', dir: 'in' }, { count: 2, since });
    expect(publishes.map((e) => [e.message_id, e.dup])).toEqual([
      [first!.message_id, false],
      [first!.message_id, true],
    ]);
    const data = await api('GET', '/feeds/temp/data');
    expect(data.status).toBe(200);
    const acks = await aio.journal.list(USER, { door: 'mqtt', packet: 'puback', dir: 'out', since });
    return { values: (data.json as Array<{ value: string }>).map((d) => d.value), ackFaults: acks.entries.map((e) => e.fault) };
  };

  it('a PUBLISH lost on its way in: no PUBACK, the QoS 1 client resends with DUP, and the point is stored once', async () => {
    await aio.seed(USER, { key: KEY, feeds: [{ key: 'temp' }] });
    const rule = await aio.faults.add({
      door: 'mqtt',
      account: USER,
      match: { packet: 'publish', dir: 'in', topic: `${USER}/feeds/temp` },
      action: { type: 'drop' },
      times: 1,
    });
    // One PUBACK went out: the resend's.
    expect(await publishUnacked(rule.id, '21.5')).toEqual({ values: ['21.5'], ackFaults: [null] });
    expect((await aio.faults.get(rule.id)).hits).toBe(1);
  });

  it('a PUBACK the server withheld: the QoS 1 client resends with DUP, is answered, and the point is stored once', async () => {
    await aio.seed(USER, { key: KEY, feeds: [{ key: 'temp' }] });
    const rule = await aio.faults.add({
      door: 'mqtt',
      account: USER,
      match: { packet: 'puback', dir: 'out' },
      action: { type: 'omit_ack' },
      times: 1,
    });
    // The first copy was committed before its PUBACK was swallowed; since no PUBACK was sent, the resend
    // of that packet id is acknowledged without a second copy ([MQTT-4.3.2-2] starts only once one is).
    expect(await publishUnacked(rule.id, '22')).toEqual({ values: ['22'], ackFaults: [rule.id, null] });
  });

  it('an HTTP client told 503 with Retry-After sees it, and its retry is stored', async () => {
    await aio.seed(USER, { key: KEY, feeds: [{ key: 'temp' }] });
    const rule = await aio.faults.add({
      door: 'http',
      account: USER,
      match: { method: 'POST', path: '/api/v2/*/feeds/*/data' },
      action: { type: 'status', status: 503, headers: { 'Retry-After': '30' } },
      times: 1,
    });
    const post = () =>
      fetch(`${c.server.httpUrl}/api/v2/${USER}/feeds/temp/data`, {
        method: 'POST',
        headers: { 'x-aio-key': KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ value: 7 }),
      });
    const since = (await aio.journal.list(USER)).next_since;
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect((await post()).status).toBe(200);
    const posts = await aio.journal.waitFor(USER, { door: 'http', method: 'POST', path: '/api/v2/*/feeds/temp/data' }, { count: 2, since });
    expect(posts.map((e) => [e.status, e.fault])).toEqual([
      [503, rule.id],
      [200, null],
    ]);
    expect((await api('GET', '/feeds/temp/data')).json).toHaveLength(1);
  });

  it('advancing the clock releases a throttle', async () => {
    await aio.seed(USER, { key: KEY, rate_limit: 2, feeds: [{ key: 'temp' }] });
    await aio.clock.freeze('2026-05-01T12:00:00Z');
    expect((await api('POST', '/feeds/temp/data', { value: 1 })).status).toBe(200);
    expect((await api('POST', '/feeds/temp/data', { value: 2 })).status).toBe(200);
    const throttled = await api('POST', '/feeds/temp/data', { value: 3 });
    expect(throttled.status).toBe(429);
    // Frozen, the bucket does not refill however long the test takes.
    expect((await api('POST', '/feeds/temp/data', { value: 3 })).status).toBe(429);
    await aio.clock.advance(60_000);
    expect((await api('POST', '/feeds/temp/data', { value: 3 })).status).toBe(200);
    const stored = (await api('GET', '/feeds/temp/data')).json as Array<{ value: string; created_at: string }>;
    expect(stored.map((d) => d.value)).toEqual(['3', '2', '1']);
    expect(stored[0]!.created_at).toBe('2026-05-01T12:01:00Z');
  });

  it('advancing the clock expires a token, over HTTP and for a new MQTT connection', async () => {
    await aio.clock.freeze('2026-05-01T12:00:00Z');
    await aio.seed(USER, {
      key: KEY,
      feeds: [{ key: 'temp', data: [{ value: '20' }] }],
      tokens: [{ key: 'fw-token-0123456789abcdef', readable: true, createable: true, expiration: '2026-05-01T13:00:00Z' }],
    });
    const token = 'fw-token-0123456789abcdef';
    expect((await api('GET', '/feeds/temp/data', undefined, token)).status).toBe(200);
    const before = await connect({ clientId: 'tok-1', password: token });
    expect(before.connected).toBe(true);

    await aio.clock.advance(60 * 60_000);
    const after = await api('GET', '/feeds/temp/data', undefined, token);
    expect(after.status).toBe(403);
    expect(String((after.json as { error: string }).error)).toContain('expired');
    const refused = await connect({ clientId: 'tok-2', password: token }).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: expect.any(Number) });
    expect((refused as { code: number }).code).not.toBe(0);
    // The account key still works.
    expect((await api('GET', '/feeds/temp/data')).status).toBe(200);
  });

  it('a journal wait returns as soon as the entry arrives, and one that times out says matched: false', async () => {
    await aio.seed(USER, { key: KEY, feeds: [{ key: 'temp' }] });
    const client = await connect({ clientId: 'fw-wait' });
    const since = (await aio.journal.list(USER)).next_since;
    const waiting = aio.journal.wait(USER, { door: 'mqtt', packet: 'publish', topic: `${USER}/feeds/+` }, { since, timeoutMs: 10_000 });
    await client.publishAsync(`${USER}/feeds/temp`, '1', { qos: 1 });
    const hit = await waiting;
    expect(hit.matched).toBe(true);
    expect(hit.entries.map((e) => e.payload)).toEqual(['1']);

    // Already in the history from `since`: answered at once, however short the timeout.
    const again = await aio.journal.wait(USER, { door: 'mqtt', packet: 'publish' }, { since, timeoutMs: 1 });
    expect(again.matched).toBe(true);

    const missed = await aio.journal.wait(USER, { door: 'mqtt', packet: 'publish' }, { count: 2, since, timeoutMs: 50 });
    expect(missed.matched).toBe(false);
    expect(missed.entries).toHaveLength(1);
    await expect(aio.journal.waitFor(USER, { door: 'mqtt', packet: 'publish' }, { count: 2, since, timeoutMs: 50 })).rejects.toThrow(
      /saw 1/,
    );

    expect(await aio.journal.count(USER, { door: 'mqtt', packet: 'publish' }, since)).toBe(1);
    await aio.journal.clear(USER);
    expect(await aio.journal.count(USER, { door: 'mqtt', packet: 'publish' })).toBe(0);
  });

  it('the helper throws ControlError with the status and message: wrong key, bad input, unknown account', async () => {
    const wrong = controlClient(c.server.controlUrl!, 'not-the-control-key');
    await expect(wrong.clock.get()).rejects.toMatchObject({ status: 401 });
    const bad = await aio.clock.advance(-1).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(ControlError);
    expect(bad).toMatchObject({ status: 400 });
    expect((bad as ControlError).serverMessage).toContain('ms');
    await expect(aio.exportAccount('nobody')).rejects.toMatchObject({ status: 404 });
  });
});
