// The rules of persistent sessions in the core: ownership, the queue bound and expiry by the core's clock.
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import type { StoredMessage } from '../../src/core/sessions.js';
import { FakeClock, makeCore, type TestCore } from '../helpers.js';

let c: TestCore;
let clock: FakeClock;
afterEach(() => c.close());

function setup(config: Partial<Config> = {}) {
  clock = new FakeClock();
  c = makeCore({ clock: clock.now, config });
  return c.core.sessions;
}

function msg(value: string): StoredMessage {
  return {
    cmd: 'publish',
    topic: 'alice/f/x',
    payload: Buffer.from(value),
    qos: 1,
    retain: false,
    dup: false,
    messageId: null,
    brokerId: 'b',
    brokerCounter: null,
  };
}

const payloads = (list: StoredMessage[]) => list.map((m) => m.payload!.toString());

describe('core sessions', () => {
  it('opens a session for its user and keeps it; another user wipes it and starts afresh', () => {
    const sessions = setup();
    expect(sessions.open('dev', c.alice.user.id)).toEqual({ existed: false, wiped: false });
    sessions.subscribe('dev', [{ topic: 'alice/f/x', qos: 1, options: null }]);
    sessions.enqueue('dev', msg('1'));
    expect(sessions.open('dev', c.alice.user.id)).toEqual({ existed: true, wiped: false });
    expect(sessions.subscriptions('dev')).toHaveLength(1);

    expect(sessions.open('dev', c.bob.user.id)).toEqual({ existed: false, wiped: true });
    expect(sessions.owner('dev')).toBe(c.bob.user.id);
    expect(sessions.subscriptions('dev')).toEqual([]);
    expect(sessions.queued('dev')).toEqual([]);
  });

  it('stores nothing for a client id without a session', async () => {
    const sessions = setup();
    await expect(sessions.enqueue('nobody', msg('1'))).resolves.toBe(false);
    sessions.subscribe('nobody', [{ topic: 'alice/f/x', qos: 1, options: null }]);
    expect(sessions.subscriptions('nobody')).toEqual([]);
  });

  it('keeps the newest mqttQueueMax messages in order and counts the dropped ones until told', async () => {
    const sessions = setup({ mqttQueueMax: 4 });
    sessions.open('dev', c.alice.user.id);
    // One tick's messages are written together; the bound applies to each as if one by one.
    const stored = [1, 2, 3, 4, 5].map((i) => sessions.enqueue('dev', msg(`m${i}`)));
    await expect(Promise.all(stored)).resolves.toEqual([true, true, true, true, true]);
    expect(payloads(sessions.queued('dev'))).toEqual(['m2', 'm3', 'm4', 'm5']);
    void sessions.enqueue('dev', msg('m6'));
    void sessions.enqueue('dev', msg('m7'));
    expect(payloads(sessions.queued('dev'))).toEqual(['m4', 'm5', 'm6', 'm7']); // read after write, same tick
    expect(c.db.$client.prepare("SELECT queued FROM mqtt_sessions WHERE client_id = 'dev'").get()).toEqual({ queued: 4 });
    expect(sessions.takeDropped('dev')).toBe(3);
    expect(sessions.takeDropped('dev')).toBe(0);
  });

  it('writes what was queued before a session changes hands, so none of it reaches the new owner', () => {
    const sessions = setup();
    sessions.open('dev', c.alice.user.id);
    void sessions.enqueue('dev', msg('for alice'));
    sessions.open('dev', c.bob.user.id); // same tick
    expect(sessions.queued('dev')).toEqual([]);
  });

  it('sweeps sessions unseen for mqttSessionExpiry seconds, by the core clock, sparing connected ones', () => {
    const sessions = setup({ mqttSessionExpiry: 100 });
    sessions.open('old', c.alice.user.id);
    sessions.open('live', c.alice.user.id);
    clock.advance(60_000);
    sessions.open('young', c.alice.user.id);
    clock.advance(40_001);
    expect(sessions.sweep((id) => id === 'live')).toEqual(['old']);
    expect(sessions.owner('old')).toBeUndefined();
    expect(sessions.owner('live')).toBe(c.alice.user.id);
    sessions.seen('young');
    clock.advance(99_000);
    expect(sessions.sweep(() => false)).toEqual(['live']);
    expect(sessions.owner('young')).toBe(c.alice.user.id);
  });
});
