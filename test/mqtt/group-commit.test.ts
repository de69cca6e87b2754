// Group commit: the PUBLISH packets read in one turn are stored in one transaction, each store in its
// own savepoint, and acknowledged only after that commit.
import { describe, expect } from 'vitest';
import { mqttTest as it } from './helpers.js';

describe('MQTT group commit', () => {
  it('stores every publish of a burst, in order, and a refused one leaves the others stored', async ({ t }) => {
    const pub = await t.connect(t.alice);
    const errors = await t.listen(t.alice, ['alice/errors']);
    // Sent without waiting: they reach the broker together and are handled in the same turns.
    const values = Array.from({ length: 30 }, (_, i) => (i === 7 ? 'x'.repeat(2000) : String(i)));
    await Promise.all(values.map((v) => pub.publishAsync('alice/f/burst', v, { qos: 1 })));
    const res = await t.req('GET', '/api/v2/alice/feeds/burst/data?limit=100');
    expect(res.json.map((d: { value: string }) => d.value).reverse()).toEqual(values.filter((_, i) => i !== 7));
    await errors.inbox.waitFor((m) => m.payload.includes('Value is too long'));
  });

  it('each PUBACK means the point is readable at once', async ({ t }) => {
    const pub = await t.connect(t.alice);
    for (let i = 0; i < 5; i++) {
      await pub.publishAsync('alice/f/step', String(i), { qos: 1 });
      expect((await t.req('GET', '/api/v2/alice/feeds/step/data/last')).json.value).toBe(String(i));
    }
  });

  it('a feed changed between two publishes: the next packet sees the change (renamed, then disabled)', async ({ t }) => {
    const pub = await t.connect(t.alice);
    const errors = await t.listen(t.alice, ['alice/errors']);
    await pub.publishAsync('alice/f/temp', '1', { qos: 1 });
    await t.req('PUT', '/api/v2/alice/feeds/temp', { body: { name: 'Renamed', key: 'renamed' } });
    await pub.publishAsync('alice/f/temp', '2', { qos: 1 });
    await pub.publishAsync('alice/f/renamed', '3', { qos: 1 });
    const values = async (key: string) =>
      (await t.req('GET', `/api/v2/alice/feeds/${key}/data`)).json.map((d: { value: string }) => d.value).reverse();
    expect(await values('renamed')).toEqual(['1', '3']);
    expect(await values('temp')).toEqual(['2']);
    await t.req('PUT', '/api/v2/alice/feeds/renamed', { body: { enabled: false } });
    await pub.publishAsync('alice/f/renamed', '4', { qos: 1 });
    await errors.inbox.waitFor((m) => m.payload.includes('disabled'));
    expect(await values('renamed')).toEqual(['1', '3']);
  });
});
