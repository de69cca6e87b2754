import { describe, expect } from 'vitest';
import { eq } from 'drizzle-orm';
import { hashKey } from '../../src/core/accounts.js';
import { AioError } from '../../src/core/errors.js';
import type { DataEvent } from '../../src/core/events.js';
import { webhookJson } from '../../src/core/serializers/webhook.js';
import { generateWebhookToken, webhookPath } from '../../src/core/webhooks.js';
import { webhookReceivers } from '../../src/db/schema.js';
import { coreTestWith, makeCore, type TestCore } from '../helpers.js';

const it = coreTestWith({ fakeClock: true });

function refusal(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AioError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

const feedOf = (t: TestCore, name = 'temp') => t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name });

describe('webhook tokens', () => {
  it('are 28 base58 characters, different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const token = generateWebhookToken();
      expect(token).toMatch(/^[1-9A-HJ-NP-Za-km-z]{28}$/);
      seen.add(token);
    }
    expect(seen.size).toBe(200);
  });

  it('give the path for each kind', () => {
    expect(webhookPath('abc', 'data')).toBe('/webhooks/feed/abc');
    expect(webhookPath('abc', 'raw')).toBe('/webhooks/feed/abc/raw');
    expect(webhookPath('abc', 'notify')).toBe('/webhooks/feed/abc/notify');
  });
});

describe('webhook receivers: create, list, delete', () => {
  it('stores only the sha256 of the token, kind data by default', ({ t }) => {
    const feed = feedOf(t);
    const { receiver, token } = t.core.webhooks.create(t.alice.user, feed, {});
    expect(receiver.kind).toBe('data');
    const row = t.db.select().from(webhookReceivers).where(eq(webhookReceivers.id, receiver.id)).get()!;
    expect(row.tokenHash).toBe(hashKey(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(webhookJson(receiver)).toEqual({
      id: receiver.id,
      kind: 'data',
      feed_id: feed.id,
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
    });
  });

  it('accepts the kinds raw and notify in any case and refuses others with a 422', ({ t }) => {
    const feed = feedOf(t);
    expect(t.core.webhooks.create(t.alice.user, feed, { kind: 'RAW' }).receiver.kind).toBe('raw');
    expect(t.core.webhooks.create(t.alice.user, feed, { kind: 'notify' }).receiver.kind).toBe('notify');
    expect(refusal(() => t.core.webhooks.create(t.alice.user, feed, { kind: 'email' })).status).toBe(422);
    expect(refusal(() => t.core.webhooks.create(t.alice.user, feed, { kind: 3 })).status).toBe(422);
  });

  it('lists a feed’s receivers and groups them per feed', ({ t }) => {
    const a = feedOf(t, 'a');
    const b = feedOf(t, 'b');
    const r1 = t.core.webhooks.create(t.alice.user, a, {}).receiver;
    const r2 = t.core.webhooks.create(t.alice.user, a, { kind: 'raw' }).receiver;
    const r3 = t.core.webhooks.create(t.alice.user, b, {}).receiver;
    expect(t.core.webhooks.list(t.alice.user, a).map((r) => r.id)).toEqual([r1.id, r2.id]);
    const byFeed = t.core.webhooks.byFeed(t.alice.user);
    expect(byFeed.get(a.id)?.map((r) => r.id)).toEqual([r1.id, r2.id]);
    expect(byFeed.get(b.id)?.map((r) => r.id)).toEqual([r3.id]);
    expect([...t.core.webhooks.byFeed(t.alice.user, [b.id]).keys()]).toEqual([b.id]);
  });

  it('resolves a receiver only on its own feed of its own user', ({ t }) => {
    const feed = feedOf(t);
    const other = feedOf(t, 'other');
    const { receiver } = t.core.webhooks.create(t.alice.user, feed, {});
    expect(t.core.webhooks.resolve(t.alice.user, feed, String(receiver.id)).id).toBe(receiver.id);
    expect(refusal(() => t.core.webhooks.resolve(t.alice.user, other, String(receiver.id))).status).toBe(404);
    expect(refusal(() => t.core.webhooks.resolve(t.alice.user, feed, 'abc')).status).toBe(404);
    const bobFeed = t.core.feeds.create(t.bob.user, t.core.groups.defaultGroup(t.bob.user), { name: 'temp' });
    expect(refusal(() => t.core.webhooks.resolve(t.bob.user, bobFeed, String(receiver.id))).status).toBe(404);
  });

  it('a deleted receiver’s token, or one whose feed was deleted, opens nothing', ({ t }) => {
    const feed = feedOf(t);
    const a = t.core.webhooks.create(t.alice.user, feed, {});
    const b = t.core.webhooks.create(t.alice.user, feed, {});
    t.core.webhooks.delete(a.receiver);
    expect(t.core.webhooks.find(a.token)).toBeUndefined();
    expect(t.core.webhooks.find(b.token)?.feed.id).toBe(feed.id);
    t.core.feeds.delete(t.alice.user, feed);
    expect(t.core.webhooks.find(b.token)).toBeUndefined();
    expect(t.core.webhooks.byFeed(t.alice.user).size).toBe(0);
  });
});

describe('webhook receivers: receive', () => {
  it('data: value or payload, with a location, through the data core (one `data` event)', ({ t }) => {
    const feed = feedOf(t);
    const { token } = t.core.webhooks.create(t.alice.user, feed, {});
    const events: DataEvent[] = [];
    t.core.events.on('data', (e) => events.push(e));
    const a = t.core.webhooks.receive(token, 'data', { fields: { value: '42', lat: '40.5', lon: -74, ele: 3 } });
    expect(a.row).toMatchObject({ value: '42', lat: 40.5, lon: -74, ele: 3, feedId: feed.id, userId: t.alice.user.id });
    const b = t.core.webhooks.receive(token, 'data', { fields: { payload: 'from payload' } });
    expect(b.row.value).toBe('from payload');
    expect(events.map((e) => [e.user.username, e.feed.id, e.datum.value])).toEqual([
      ['alice', feed.id, '42'],
      ['alice', feed.id, 'from payload'],
    ]);
    expect(t.core.data.last(feed).value).toBe('from payload');
  });

  it('data: a missing value is a 422 and stores nothing', ({ t }) => {
    const feed = feedOf(t);
    const { token } = t.core.webhooks.create(t.alice.user, feed, {});
    expect(refusal(() => t.core.webhooks.receive(token, 'data', { fields: { other: 1 } })).status).toBe(422);
    expect(refusal(() => t.core.webhooks.receive(token, 'data', {})).status).toBe(422);
    expect(t.core.data.total(feed)).toBe(0);
  });

  it('raw: the body as text, cut to the value limit of the feed without splitting a character', ({ t }) => {
    const feed = feedOf(t);
    const { token } = t.core.webhooks.create(t.alice.user, feed, { kind: 'raw' });
    expect(t.core.webhooks.receive(token, 'raw', { raw: Buffer.from('{ "not": io }') }).row.value).toBe('{ "not": io }');
    const long = `${'a'.repeat(1023)}é${'b'.repeat(50)}`;
    const cut = t.core.webhooks.receive(token, 'raw', { raw: long }).row.value;
    expect(cut).toBe('a'.repeat(1023));
    t.core.feeds.update(t.alice.user, feed, { history: false });
    const noHistory = t.core.feeds.resolve(t.alice.user, 'temp');
    expect(noHistory.history).toBe(false);
    const big = 'x'.repeat(200 * 1024);
    expect(t.core.webhooks.receive(token, 'raw', { raw: big }).row.value.length).toBe(100 * 1024);
    expect(refusal(() => t.core.webhooks.receive(token, 'raw', { raw: Buffer.alloc(0) })).status).toBe(422);
  });

  it('notify: "ping", whatever was sent', ({ t }) => {
    const feed = feedOf(t);
    const { token } = t.core.webhooks.create(t.alice.user, feed, { kind: 'notify' });
    expect(t.core.webhooks.receive(token, 'notify', { fields: { value: 'ignored' }, raw: 'x' }).row.value).toBe('ping');
  });

  it('an unknown token is a 404; a disabled feed a 422', ({ t }) => {
    expect(refusal(() => t.core.webhooks.receive('nope', 'data', { fields: { value: 1 } })).status).toBe(404);
    expect(refusal(() => t.core.webhooks.receive('', 'notify', {})).status).toBe(404);
    const feed = feedOf(t);
    const { token } = t.core.webhooks.create(t.alice.user, feed, {});
    t.core.feeds.update(t.alice.user, feed, { enabled: false });
    const r = refusal(() => t.core.webhooks.receive(token, 'data', { fields: { value: 1 } }));
    expect(r.status).toBe(422);
    expect(r.message).toMatch(/disabled/);
  });

  it('takes from the owner’s rate budget like any write', ({ clock }) => {
    const limited = makeCore({ clock: clock.now, config: { rateLimit: 2 } });
    try {
      const feed = limited.core.feeds.create(limited.alice.user, limited.core.groups.defaultGroup(limited.alice.user), { name: 'temp' });
      const { token } = limited.core.webhooks.create(limited.alice.user, feed, {});
      // The feed create took one token of the two.
      limited.core.webhooks.receive(token, 'notify', {});
      expect(refusal(() => limited.core.webhooks.receive(token, 'notify', {})).status).toBe(429);
    } finally {
      limited.close();
    }
  });
});
