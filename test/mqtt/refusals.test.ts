// Refusals and the errors topic (compat-notes §3.8): clients touch only their own namespace; refused
// SUBSCRIBEs get 0x80, refused PUBLISHes are dropped, both reported on {user}/errors; invalid payloads
// are reported and the connection stays up; oversize packets close the connection.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { makeMqtt, suback, type Inbox, type MqttTest } from './helpers.js';

let t: MqttTest;
let pub: MqttClient;
beforeEach(async () => {
  t = await makeMqtt({ config: { mqttMaxPacketBytes: 64 * 1024 } });
  pub = await t.connect(t.alice);
});
afterEach(async () => {
  await t.close();
});

async function errorsOf(inbox: Inbox, pattern: RegExp) {
  const m = await inbox.waitFor((x) => x.topic.endsWith('/errors') && pattern.test(x.payload));
  return m.payload;
}

describe('SUBSCRIBE refusals', () => {
  it("SUBACK 0x80 for another account's topics, reported in Adafruit's wording", async () => {
    const { client, inbox } = await t.listen(t.bob, ['bob/errors']);
    expect(await suback(client, { 'alice/feeds/x': { qos: 0 }, 'bob/f/mine': { qos: 1 } })).toEqual([128, 1]);
    const text = await errorsOf(inbox, /SUBSCRIBE/);
    expect(text).toMatch(
      new RegExp(`^${client.options.clientId} 127\\.0\\.0\\.1 SUBSCRIBE alice/feeds/x rejected, resource not available or not authorized$`),
    );
    expect(client.connected).toBe(true);
  });

  it('bob cannot subscribe to alice by wildcard, nor to everything', async () => {
    const { client } = await t.listen(t.bob, ['bob/errors']);
    expect(await suback(client, ['alice/#', '#', '+/feeds/x', '+/#', 'alice/+/x'])).toEqual([128, 128, 128, 128, 128]);
    // and nothing of alice's reaches bob
    const bob = await t.listen(t.bob, ['bob/#']);
    await pub.publishAsync('alice/f/secret', '1', { qos: 1 });
    await t.barrier(await t.connect(t.bob), bob.inbox);
    expect(bob.inbox.list()).toEqual([]);
  });

  it('filters outside the topic grammar are refused as not a valid resource topic', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    expect(await suback(client, ['LWT/$SYS/x', '$SYS/#', '/alice/feeds/x', 'alice/things/x'])).toEqual([128, 128, 128, 128]);
    expect(await errorsOf(inbox, /LWT/)).toMatch(/SUBSCRIBE LWT\/\$SYS\/x rejected, not a valid resource topic$/);
  });

  it('anonymous sessions may subscribe to time/* only', async () => {
    const anon = await t.connect(null);
    expect(await suback(anon, ['time/seconds', 'time/+', 'alice/f/x', 'alice/#'])).toEqual([0, 0, 128, 128]);
  });

  it('own errors and throttle topics and wildcards in the own namespace are granted', async () => {
    const granted = await pub.subscribeAsync(['alice/errors', 'alice/throttle', 'alice/#', 'alice/f/+', 'alice/integration/words/1']);
    expect(granted.map((g) => g.qos)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('PUBLISH refusals', () => {
  it("a PUBLISH to another account's feed is dropped and reported; the connection stays up", async () => {
    const alice = await t.listen(t.alice, ['alice/#']);
    const bob = await t.listen(t.bob, ['bob/errors']);
    await bob.client.publishAsync('alice/f/x', 'intrusion', { qos: 1 });
    // the hosted text for another account's feed that is not shared for writing (see shared.test.ts)
    expect(await errorsOf(bob.inbox, /PUBLISH/)).toMatch(/ PUBLISH alice\/f\/x rejected, only shared feeds may be published to$/);
    await t.barrier(pub, alice.inbox);
    expect(alice.inbox.list()).toEqual([]);
    expect((await t.req('GET', '/api/v2/alice/feeds/x')).status).toBe(404);
    expect(bob.client.connected).toBe(true);
  });

  it('publishing to topics that are not feeds or groups is refused', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    await client.publishAsync('tele/Hallswitch/LWT', 'Online', { qos: 1 });
    expect(await errorsOf(inbox, /tele/)).toMatch(/PUBLISH tele\/Hallswitch\/LWT rejected, not a valid topic format$/);
    await client.publishAsync('alice/errors', 'fake', { qos: 1 });
    expect(await errorsOf(inbox, /PUBLISH alice\/errors/)).toMatch(/rejected, only feeds and groups may be published to$/);
    await client.publishAsync('time/seconds', '1', { qos: 1 });
    expect(await errorsOf(inbox, /PUBLISH time/)).toMatch(/rejected, resource not available or not authorized$/);
    expect(inbox.messages.filter((m) => m.topic === 'alice/errors')).toHaveLength(3);
  });

  it('anonymous PUBLISHes are dropped', async () => {
    const anon = await t.connect(null);
    await anon.publishAsync('alice/f/x', '1', { qos: 1 });
    expect((await t.req('GET', '/api/v2/alice/feeds/x')).status).toBe(404);
    expect(anon.connected).toBe(true);
  });
});

describe('invalid payloads', () => {
  it('a value over the size limit is not stored and is reported', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors', 'alice/f/big']);
    await client.publishAsync('alice/f/big', 'x'.repeat(1025), { qos: 1 });
    expect(await errorsOf(inbox, /big/)).toMatch(/PUBLISH alice\/f\/big rejected, Validation failed: Value is too long/);
    expect((await t.req('GET', '/api/v2/alice/feeds/big')).status).toBe(404);
    await client.publishAsync('alice/f/big', 'fits', { qos: 1 });
    expect((await t.req('GET', '/api/v2/alice/feeds/big/data/last')).json.value).toBe('fits');
  });

  it('invalid UTF-8 is not stored and is reported', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    await client.publishAsync('alice/f/text', Buffer.from([0x66, 0xff, 0xfe]), { qos: 1 });
    expect(await errorsOf(inbox, /text/)).toMatch(/PUBLISH alice\/f\/text rejected, payload is not valid UTF-8$/);
    expect((await t.req('GET', '/api/v2/alice/feeds/text')).status).toBe(404);
    expect(client.connected).toBe(true);
  });

  it('an invalid feed name to auto-create is reported with the validation message', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    await client.publishAsync('alice/feeds/bad$name', '1', { qos: 1 });
    expect(await errorsOf(inbox, /bad/)).toMatch(
      /PUBLISH alice\/feeds\/bad\$name rejected, Validation failed: Name may contain only letters, digits, underscores, spaces, or dashes$/,
    );
    expect(client.connected).toBe(true);
  });

  it('an empty payload on a feed topic is reported, not stored', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    await client.publishAsync('alice/f/empty', '', { qos: 1 });
    expect(await errorsOf(inbox, /empty/)).toMatch(/Value can't be blank/);
    expect((await t.req('GET', '/api/v2/alice/feeds/empty')).status).toBe(404);
  });

  it('a malformed group payload is reported', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    await client.publishAsync('alice/g/example', 'not json', { qos: 1 });
    expect(await errorsOf(inbox, /example/)).toMatch(/rejected, group payload is not valid JSON$/);
  });

  it('`{user}/#` subscribers see the errors topic too', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/#']);
    await client.publishAsync('alice/f/bad$', '1', { qos: 1 });
    expect(await errorsOf(inbox, /bad/)).toMatch(/Validation failed/);
  });
});

describe('maximum packet size', () => {
  it('a packet over mqttMaxPacketBytes closes that connection and is reported to the account', async () => {
    const watcher = await t.listen(t.alice, ['alice/errors']);
    const big = await t.connect(t.alice);
    const closed = new Promise<void>((r) => big.once('close', () => r()));
    big.publish('alice/f/huge', Buffer.alloc(70 * 1024, 0x61), { qos: 0 });
    await closed;
    expect(await errorsOf(watcher.inbox, /maximum packet size/)).toMatch(
      /packet of \d+ bytes rejected, larger than the maximum packet size of 65536 bytes; disconnecting$/,
    );
    expect((await t.req('GET', '/api/v2/alice/feeds/huge')).status).toBe(404);
    // A packet just under the limit (value too long for a feed, but a valid packet) keeps the connection.
    await pub.publishAsync('alice/f/under', Buffer.alloc(60 * 1024, 0x61), { qos: 1 });
    expect(pub.connected).toBe(true);
  });
});

describe('throttle', () => {
  it('rate-limit notices from the core go to {user}/throttle as a JSON-quoted string', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/throttle']);
    const bob = await t.listen(t.bob, ['bob/throttle']);
    t.core.events.emit('throttle', {
      user: t.alice.user,
      waitSeconds: 1,
      message: 'alice data rate limit reached, 1 seconds until throttle released',
    });
    const m = await inbox.waitFor((x) => x.topic === 'alice/throttle');
    expect(m.payload).toBe('"alice data rate limit reached, 1 seconds until throttle released"');
    await t.barrier(client, inbox);
    await t.barrier(bob.client, bob.inbox);
    expect(bob.inbox.list()).toEqual([]);
  });
});
