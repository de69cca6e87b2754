import { describe, expect } from 'vitest';
import { coreTestWith } from '../helpers.js';

const it = coreTestWith({ fakeClock: true, config: { metricsToken: 'metrics-token-0123456789', bans: { ...enabledBans() } } });

function enabledBans() {
  return { enabled: true, connects: 2, subscribes: 100, refused: 10, throttled: 10, failedLogins: 10, failedLoginsPerAddress: 100 };
}

const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no sample ${name}`);
  return Number(line.slice(name.length + 1));
};

describe('core metrics', () => {
  it('count bans by reason from the core events', async ({ t }) => {
    const m = t.core.metrics!;
    expect(sample(await m.text(), 'aio_mqtt_bans_total{reason="connect"}')).toBe(0);
    for (let i = 0; i < 3; i++) t.core.bans.note(t.alice.user, 'connect');
    const text = await m.text();
    expect(sample(text, 'aio_mqtt_bans_total{reason="connect"}')).toBe(1);
    expect(sample(text, 'aio_mqtt_bans_total{reason="abuse"}')).toBe(0);
  });

  it('count a feed action’s output as written by the action door, once committed', async ({ t }) => {
    const group = t.core.groups.defaultGroup(t.alice.user);
    const temp = t.core.feeds.create(t.alice.user, group, { name: 'temp' });
    const fan = t.core.feeds.create(t.alice.user, group, { name: 'fan' });
    t.core.actions.create(t.alice.user, {
      feed_id: temp.id,
      operator: 'gt',
      value: '30',
      action: 'feed',
      action_feed_id: fan.id,
      action_value: 'ON',
    });
    await t.core.data.soon(() => t.core.data.create(t.alice.user, temp, [{ value: '35' }]));
    await t.core.actions.settled();
    const text = await t.core.metrics!.text();
    expect(sample(text, 'aio_data_points_written_total{door="action"}')).toBe(1);
    // The trigger point came through no door that counts (the core was called directly).
    expect(sample(text, 'aio_data_points_written_total{door="http"}')).toBe(0);
    expect(sample(text, 'aio_group_commit_batch_size_sum')).toBe(2);
  });

  it('report the database file and its write-ahead log', async ({ t }) => {
    const text = await t.core.metrics!.text();
    expect(sample(text, 'aio_db_file_bytes{file="main"}')).toBeGreaterThan(0);
    expect(sample(text, 'aio_db_file_bytes{file="wal"}')).toBeGreaterThan(0);
  });
});
