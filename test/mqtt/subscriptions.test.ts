import { describe, expect, it } from 'vitest';
import { compileSub, SubscriptionIndex, type Session } from '../../src/mqtt/subscriptions.js';
import { parseFilter } from '../../src/mqtt/topics.js';

// The index a data point's fan-out reads: it must hand back the filters that may match the point and
// nothing else, so that a point costs work in proportion to its own followers (the fleet benchmark:
// 100 followers of 100 feeds each).

function session(id: string): Session {
  return { id, user: null, ip: '127.0.0.1', closed: false, send: () => {} };
}

function subscribe(index: SubscriptionIndex, s: Session, filter: string, qos: 0 | 1 = 0): void {
  const info = parseFilter(filter)!;
  index.add(s, info.isTime ? null : info.user, compileSub(filter, qos, info));
}

const feed = { id: 42, key: 'room.temp', name: 'Temp' };
const filters = (m: Map<Session, { filter: string }[]>) => new Map([...m].map(([s, subs]) => [s.id, subs.map((x) => x.filter)]));

describe('SubscriptionIndex.feedCandidates', () => {
  it('finds the literal filters naming the feed by key, default.key, name or id, and the wildcards; not the other feeds', () => {
    const index = new SubscriptionIndex();
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(session) as [Session, Session, Session, Session, Session];
    subscribe(index, a, 'u/f/room.temp');
    subscribe(index, b, 'u/feeds/default.room.temp/csv');
    subscribe(index, c, 'u/f/Temp/json');
    subscribe(index, c, 'u/f/42');
    subscribe(index, d, 'u/f/+');
    for (let i = 0; i < 100; i++) subscribe(index, e, `u/f/other${i}`);
    subscribe(index, e, 'u/groups/room');
    expect(filters(index.feedCandidates('u', feed))).toEqual(
      new Map([
        ['a', ['u/f/room.temp']],
        ['b', ['u/feeds/default.room.temp/csv']],
        ['c', ['u/f/Temp/json', 'u/f/42']],
        ['d', ['u/f/+']],
      ]),
    );
    expect(index.feedCandidates('v', feed).size).toBe(0);
  });

  it("gives a session's filters in the order it made them, literal and wildcard mixed", () => {
    const index = new SubscriptionIndex();
    const a = session('a');
    subscribe(index, a, 'u/#');
    subscribe(index, a, 'u/f/room.temp/csv');
    subscribe(index, a, 'u/feeds/+');
    subscribe(index, a, 'u/f/room.temp');
    expect(filters(index.feedCandidates('u', feed)).get('a')).toEqual(['u/#', 'u/f/room.temp/csv', 'u/feeds/+', 'u/f/room.temp']);
  });

  it('forgets unsubscribed filters and closed sessions; a replaced filter keeps its place with its new QoS', () => {
    const index = new SubscriptionIndex();
    const [a, b] = [session('a'), session('b')];
    subscribe(index, a, 'u/f/room.temp');
    subscribe(index, a, 'u/f/+');
    subscribe(index, b, 'u/f/room.temp');
    subscribe(index, a, 'u/f/room.temp', 1);
    const got = index.feedCandidates('u', feed).get(a)!;
    expect(got.map((x) => [x.filter, x.qos])).toEqual([
      ['u/f/room.temp', 1],
      ['u/f/+', 0],
    ]);
    index.remove(a, 'u/f/room.temp');
    expect(filters(index.feedCandidates('u', feed))).toEqual(
      new Map([
        ['a', ['u/f/+']],
        ['b', ['u/f/room.temp']],
      ]),
    );
    index.removeSession(a);
    index.removeSession(b);
    expect(index.feedCandidates('u', feed).size).toBe(0);
    expect(index.forUser('u')).toBeUndefined();
    expect(index.size()).toBe(0);
  });
});

describe('SubscriptionIndex.groupSubs', () => {
  it('holds only the filters group messages can reach, and nothing once they are gone', () => {
    const index = new SubscriptionIndex();
    const a = session('a');
    subscribe(index, a, 'u/f/room.temp');
    subscribe(index, a, 'u/#');
    expect(index.groupSubs('u')).toBeUndefined();
    subscribe(index, a, 'u/groups/room/json');
    subscribe(index, a, 'u/g/+');
    expect([...index.groupSubs('u')!.get(a)!.keys()]).toEqual(['u/groups/room/json', 'u/g/+']);
    index.remove(a, 'u/groups/room/json');
    index.remove(a, 'u/g/+');
    expect(index.groupSubs('u')).toBeUndefined();
    expect([...index.forUser('u')!.get(a)!.keys()]).toEqual(['u/f/room.temp', 'u/#']);
  });
});
