import { describe, expect, it } from 'vitest';
import { levelsMatch } from '../../src/mqtt/subscriptions.js';
import { feedTopic, groupFormat, groupTopic, isValidFilter, parseFilter, parseTopic } from '../../src/mqtt/topics.js';

describe('parseTopic: feeds', () => {
  it('parses {user}/feeds/{key}', () => {
    expect(parseTopic('alice/feeds/temp')).toStrictEqual({
      kind: 'feed',
      user: 'alice',
      alias: 'feeds',
      ident: 'temp',
      format: 'plain',
      get: false,
    });
  });

  it('parses the short alias {user}/f/{key}', () => {
    expect(parseTopic('alice/f/temp')).toStrictEqual({
      kind: 'feed',
      user: 'alice',
      alias: 'f',
      ident: 'temp',
      format: 'plain',
      get: false,
    });
  });

  it('parses /json and /csv suffixes', () => {
    expect(parseTopic('alice/feeds/temp/json')).toStrictEqual({
      kind: 'feed',
      user: 'alice',
      alias: 'feeds',
      ident: 'temp',
      format: 'json',
      get: false,
    });
    expect(parseTopic('alice/f/temp/csv')).toStrictEqual({
      kind: 'feed',
      user: 'alice',
      alias: 'f',
      ident: 'temp',
      format: 'csv',
      get: false,
    });
  });

  it('parses /get, /json/get and /csv/get', () => {
    expect(parseTopic('alice/f/counter/get')).toStrictEqual({
      kind: 'feed',
      user: 'alice',
      alias: 'f',
      ident: 'counter',
      format: 'plain',
      get: true,
    });
    expect(parseTopic('alice/feeds/counter/json/get')).toStrictEqual({
      kind: 'feed',
      user: 'alice',
      alias: 'feeds',
      ident: 'counter',
      format: 'json',
      get: true,
    });
    expect(parseTopic('alice/f/Nutrient Concentration/csv/get')).toStrictEqual({
      kind: 'feed',
      user: 'alice',
      alias: 'f',
      ident: 'Nutrient Concentration',
      format: 'csv',
      get: true,
    });
  });

  it('accepts feed names with spaces', () => {
    expect(parseTopic('bob/feeds/actionne les volets')).toStrictEqual({
      kind: 'feed',
      user: 'bob',
      alias: 'feeds',
      ident: 'actionne les volets',
      format: 'plain',
      get: false,
    });
  });

  it('accepts group.feed keys', () => {
    expect(parseTopic('bob/feeds/weather.temp/csv')).toStrictEqual({
      kind: 'feed',
      user: 'bob',
      alias: 'feeds',
      ident: 'weather.temp',
      format: 'csv',
      get: false,
    });
  });

  it('treats json/csv/get as an identifier when in the identifier position', () => {
    expect(parseTopic('bob/feeds/get')).toMatchObject({ kind: 'feed', ident: 'get', get: false });
    expect(parseTopic('bob/feeds/json/csv')).toMatchObject({ kind: 'feed', ident: 'json', format: 'csv' });
  });
});

describe('parseTopic: groups', () => {
  it('parses {user}/groups/{key} with format plain', () => {
    expect(parseTopic('alice/groups/weather')).toStrictEqual({
      kind: 'group',
      user: 'alice',
      alias: 'groups',
      ident: 'weather',
      format: 'plain',
      get: false,
    });
  });

  it('parses {user}/g/{name}/csv and /csv/get (Arduino)', () => {
    expect(parseTopic('alice/g/Weather Station/csv')).toStrictEqual({
      kind: 'group',
      user: 'alice',
      alias: 'g',
      ident: 'Weather Station',
      format: 'csv',
      get: false,
    });
    expect(parseTopic('alice/g/weather/csv/get')).toStrictEqual({
      kind: 'group',
      user: 'alice',
      alias: 'g',
      ident: 'weather',
      format: 'csv',
      get: true,
    });
  });

  it('parses {user}/g/{key}/json (Ruby) and {user}/groups/{key}/get', () => {
    expect(parseTopic('alice/g/weather/json')).toMatchObject({ kind: 'group', alias: 'g', format: 'json', get: false });
    expect(parseTopic('alice/groups/weather/get')).toMatchObject({
      kind: 'group',
      alias: 'groups',
      format: 'plain',
      get: true,
    });
  });

  it('groupFormat maps plain to json', () => {
    expect(groupFormat('plain')).toBe('json');
    expect(groupFormat('json')).toBe('json');
    expect(groupFormat('csv')).toBe('csv');
  });
});

describe('parseTopic: reserved topics', () => {
  it('parses errors and throttle', () => {
    expect(parseTopic('alice/errors')).toStrictEqual({ kind: 'errors', user: 'alice' });
    expect(parseTopic('alice/throttle')).toStrictEqual({ kind: 'throttle', user: 'alice' });
  });

  it('parses every time unit', () => {
    expect(parseTopic('time/seconds')).toStrictEqual({ kind: 'time', unit: 'seconds' });
    expect(parseTopic('time/millis')).toStrictEqual({ kind: 'time', unit: 'millis' });
    expect(parseTopic('time/ISO-8601')).toStrictEqual({ kind: 'time', unit: 'ISO-8601' });
    expect(parseTopic('time/hours')).toStrictEqual({ kind: 'time', unit: 'hours' });
  });

  it('rejects unknown time units and treats `time` as reserved', () => {
    expect(parseTopic('time/minutes')).toBeNull();
    expect(parseTopic('time/iso-8601')).toBeNull();
    expect(parseTopic('time/seconds/x')).toBeNull();
    expect(parseTopic('time')).toBeNull();
    expect(parseTopic('time/feeds/x')).toBeNull();
    expect(parseTopic('time/errors')).toBeNull();
  });
});

describe('parseTopic: integrations', () => {
  it('recognises weather topics with both spellings', () => {
    expect(parseTopic('alice/integration/weather/1234/forecast_hours_2')).toStrictEqual({
      kind: 'integration',
      user: 'alice',
      spelling: 'integration',
      service: 'weather',
      id: '1234',
      type: 'forecast_hours_2',
    });
    expect(parseTopic('alice/integrations/weather/1234/current')).toStrictEqual({
      kind: 'integration',
      user: 'alice',
      spelling: 'integrations',
      service: 'weather',
      id: '1234',
      type: 'current',
    });
  });

  it('recognises air_quality and words topics', () => {
    expect(parseTopic('alice/integration/air_quality/7/forecast_tomorrow')).toStrictEqual({
      kind: 'integration',
      user: 'alice',
      spelling: 'integration',
      service: 'air_quality',
      id: '7',
      type: 'forecast_tomorrow',
    });
    expect(parseTopic('alice/integration/words/9')).toStrictEqual({
      kind: 'integration',
      user: 'alice',
      spelling: 'integration',
      service: 'words',
      id: '9',
      type: null,
    });
    expect(parseTopic('alice/integrations/words/9')).toMatchObject({ spelling: 'integrations', service: 'words' });
  });

  it('rejects malformed integration topics', () => {
    expect(parseTopic('alice/integration/weather/1234')).toBeNull();
    expect(parseTopic('alice/integration/weather/1234/tomorrow')).toBeNull();
    expect(parseTopic('alice/integration/air_quality/7/forecast_hours_1')).toBeNull();
    expect(parseTopic('alice/integration/words/9/x')).toBeNull();
    expect(parseTopic('alice/integration/stocks/1')).toBeNull();
    expect(parseTopic('alice/integration')).toBeNull();
  });
});

describe('parseTopic: invalid topics', () => {
  it.each([
    ['u/feeds', 'no identifier'],
    ['u/f', 'no identifier (short alias)'],
    ['u/feeds/', 'empty identifier'],
    ['u/feeds/ ', 'blank identifier'],
    ['u/feeds/a/b/c', 'too many levels'],
    ['u/feeds/a/b', 'unknown suffix'],
    ['u/feeds/a/get/json', 'get before format'],
    ['u/feeds/a/json/csv', 'two formats'],
    ['u/feeds/a/json/get/x', 'six levels'],
    ['u/feeds/a/JSON', 'suffix is case-sensitive'],
    ['/u/feeds/x', 'leading slash'],
    ['u//feeds/x', 'empty level'],
    ['u/feeds/x/', 'trailing slash'],
    ['u/foo/x', 'unknown type'],
    ['u/Feeds/x', 'type is case-sensitive'],
    ['u/feeds/+', 'wildcard +'],
    ['u/feeds/#', 'wildcard #'],
    ['u/feeds/a+b', 'wildcard char inside identifier'],
    ['+/feeds/x', 'wildcard user'],
    ['u', 'one level'],
    ['', 'empty'],
    ['u/other', 'unknown two-level topic'],
    ['u/errors/x', 'errors with extra level'],
    ['$SYS/broker/uptime', 'system topic'],
    ['u/feeds/a\u0000b', 'NUL character'],
    ['LWT/$SYS/x', 'unknown type under LWT'],
  ])('%s is invalid (%s)', (topic) => {
    expect(parseTopic(topic)).toBeNull();
  });
});

describe('feedTopic / groupTopic', () => {
  it('formats feed topics', () => {
    expect(feedTopic('alice', 'feeds', 'temp', 'plain')).toBe('alice/feeds/temp');
    expect(feedTopic('alice', 'f', 'temp', 'json')).toBe('alice/f/temp/json');
    expect(feedTopic('alice', 'f', 'weather.temp', 'csv')).toBe('alice/f/weather.temp/csv');
    expect(feedTopic('alice', 'feeds', 'My Feed', 'plain')).toBe('alice/feeds/My Feed');
  });

  it('formats group topics', () => {
    expect(groupTopic('alice', 'groups', 'weather', 'plain')).toBe('alice/groups/weather');
    expect(groupTopic('alice', 'g', 'weather', 'csv')).toBe('alice/g/weather/csv');
    expect(groupTopic('alice', 'g', 'weather', 'json')).toBe('alice/g/weather/json');
  });

  it('round-trips through parseTopic', () => {
    for (const alias of ['feeds', 'f'] as const) {
      for (const format of ['plain', 'json', 'csv'] as const) {
        expect(parseTopic(feedTopic('u', alias, 'a.b', format))).toStrictEqual({
          kind: 'feed',
          user: 'u',
          alias,
          ident: 'a.b',
          format,
          get: false,
        });
      }
    }
    for (const alias of ['groups', 'g'] as const) {
      for (const format of ['plain', 'json', 'csv'] as const) {
        expect(parseTopic(groupTopic('u', alias, 'grp', format))).toStrictEqual({
          kind: 'group',
          user: 'u',
          alias,
          ident: 'grp',
          format,
          get: false,
        });
      }
    }
  });
});

/**
 * MQTT 3.1.1 matching as the broker does it: a filter must be valid (isValidFilter), `$` topics are not
 * matched by a leading wildcard [MQTT-4.7.2-1] (our grammar has none), and levels match as in levelsMatch.
 */
function filterMatches(filter: string, topic: string): boolean {
  if (!isValidFilter(filter)) return false;
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  return levelsMatch(filter.split('/'), topic.split('/'));
}

describe('filterMatches (MQTT 3.1.1 §4.7)', () => {
  it('matches exact topics only exactly', () => {
    expect(filterMatches('u/f/x', 'u/f/x')).toBe(true);
    expect(filterMatches('u/f/x', 'u/f/X')).toBe(false);
    expect(filterMatches('u/f/x', 'u/f/x/csv')).toBe(false);
    expect(filterMatches('u/f/x/csv', 'u/f/x')).toBe(false);
  });

  it('+ matches exactly one level', () => {
    expect(filterMatches('u/f/+', 'u/f/x')).toBe(true);
    expect(filterMatches('u/f/+', 'u/f/x/csv')).toBe(false);
    expect(filterMatches('u/f/+', 'u/f')).toBe(false);
    expect(filterMatches('u/+/x', 'u/feeds/x')).toBe(true);
    expect(filterMatches('u/+/x', 'u/g/x')).toBe(true);
    expect(filterMatches('+/+', 'u/errors')).toBe(true);
    expect(filterMatches('u/f/+/csv', 'u/f/a b/csv')).toBe(true);
  });

  it('+ matches an empty level', () => {
    expect(filterMatches('u/+/x', 'u//x')).toBe(true);
    expect(filterMatches('+/f/x', '/f/x')).toBe(true);
  });

  it('# matches the rest, including the parent level [MQTT-4.7.1-2]', () => {
    expect(filterMatches('u/#', 'u/feeds/x')).toBe(true);
    expect(filterMatches('u/#', 'u/feeds/x/csv')).toBe(true);
    expect(filterMatches('u/#', 'u/errors')).toBe(true);
    expect(filterMatches('u/#', 'u')).toBe(true);
    expect(filterMatches('u/feeds/#', 'u/feeds')).toBe(true);
    expect(filterMatches('u/feeds/#', 'u/f/x')).toBe(false);
    expect(filterMatches('u/#', 'v/feeds/x')).toBe(false);
    expect(filterMatches('#', 'time/seconds')).toBe(true);
    expect(filterMatches('time/#', 'time/seconds')).toBe(true);
    expect(filterMatches('u/f/+/#', 'u/f/x')).toBe(true);
    expect(filterMatches('u/f/+/#', 'u/f/x/json/get')).toBe(true);
  });

  it('leading wildcards do not match $ topics [MQTT-4.7.2-1]', () => {
    expect(filterMatches('#', '$SYS/broker')).toBe(false);
    expect(filterMatches('+/broker', '$SYS/broker')).toBe(false);
    expect(filterMatches('$SYS/#', '$SYS/broker')).toBe(true);
    expect(filterMatches('$SYS/+', '$SYS/broker')).toBe(true);
  });

  it('invalid filters match nothing', () => {
    expect(filterMatches('u/#/x', 'u/a/x')).toBe(false);
    expect(filterMatches('u/f#', 'u/f#')).toBe(false);
    expect(filterMatches('u/a+', 'u/a+')).toBe(false);
  });
});

describe('isValidFilter', () => {
  it('accepts well-formed filters', () => {
    for (const f of ['#', '+', 'u/#', 'u/+/x', '+/+/+', 'a//b', 'time/+']) expect(isValidFilter(f)).toBe(true);
  });
  it('rejects misplaced wildcards, empty and NUL', () => {
    for (const f of ['', 'u/#/x', 'u#', 'u/a#', 'u/+a', 'a\u0000b']) expect(isValidFilter(f)).toBe(false);
  });
});

describe('parseFilter', () => {
  it('classifies filters inside a user namespace', () => {
    expect(parseFilter('alice/#')).toStrictEqual({ user: 'alice', isTime: false, wildcard: true });
    expect(parseFilter('alice/+')).toStrictEqual({ user: 'alice', isTime: false, wildcard: true });
    expect(parseFilter('alice/f/+')).toStrictEqual({ user: 'alice', isTime: false, wildcard: true });
    expect(parseFilter('alice/feeds/#')).toStrictEqual({ user: 'alice', isTime: false, wildcard: true });
    expect(parseFilter('alice/f/+/csv')).toStrictEqual({ user: 'alice', isTime: false, wildcard: true });
    expect(parseFilter('alice/+/temp')).toStrictEqual({ user: 'alice', isTime: false, wildcard: true });
    expect(parseFilter('alice/integration/weather/12/+')).toStrictEqual({
      user: 'alice',
      isTime: false,
      wildcard: true,
    });
  });

  it('classifies concrete topics as filters', () => {
    expect(parseFilter('alice/feeds/temp')).toStrictEqual({ user: 'alice', isTime: false, wildcard: false });
    expect(parseFilter('alice/f/Nutrient Concentration/csv')).toStrictEqual({
      user: 'alice',
      isTime: false,
      wildcard: false,
    });
    expect(parseFilter('alice/g/weather/csv')).toStrictEqual({ user: 'alice', isTime: false, wildcard: false });
    expect(parseFilter('alice/errors')).toStrictEqual({ user: 'alice', isTime: false, wildcard: false });
    expect(parseFilter('alice/throttle')).toStrictEqual({ user: 'alice', isTime: false, wildcard: false });
    expect(parseFilter('alice/integration/words/3')).toStrictEqual({
      user: 'alice',
      isTime: false,
      wildcard: false,
    });
  });

  it('classifies time filters', () => {
    expect(parseFilter('time/seconds')).toStrictEqual({ user: null, isTime: true, wildcard: false });
    expect(parseFilter('time/ISO-8601')).toStrictEqual({ user: null, isTime: true, wildcard: false });
    expect(parseFilter('time/#')).toStrictEqual({ user: null, isTime: true, wildcard: true });
    expect(parseFilter('time/+')).toStrictEqual({ user: null, isTime: true, wildcard: true });
    expect(parseFilter('+/seconds')).toStrictEqual({ user: null, isTime: true, wildcard: true });
  });

  it('reports user null for filters crossing users', () => {
    expect(parseFilter('#')).toStrictEqual({ user: null, isTime: false, wildcard: true });
    expect(parseFilter('+/#')).toStrictEqual({ user: null, isTime: false, wildcard: true });
    expect(parseFilter('+/feeds/temp')).toStrictEqual({ user: null, isTime: false, wildcard: true });
    expect(parseFilter('+/errors')).toStrictEqual({ user: null, isTime: false, wildcard: true });
    expect(parseFilter('+/+')).toStrictEqual({ user: null, isTime: false, wildcard: true });
  });

  it('rejects filters that cannot match any valid topic', () => {
    expect(parseFilter('u/foo/x')).toBeNull();
    expect(parseFilter('u/foo/#')).toBeNull();
    expect(parseFilter('/u/feeds/x')).toBeNull();
    expect(parseFilter('u/feeds')).toBeNull();
    expect(parseFilter('u/feeds/a/b/c')).toBeNull();
    expect(parseFilter('u/feeds/+/+/+/+')).toBeNull();
    expect(parseFilter('u/+/+/xml/x')).toBeNull();
    expect(parseFilter('u/+/+/xml')).toStrictEqual({ user: 'u', isTime: false, wildcard: true }); // u/integration/words/xml
    expect(parseFilter('time/minutes')).toBeNull();
    expect(parseFilter('time/feeds/#')).toBeNull();
    expect(parseFilter('$SYS/#')).toBeNull();
    expect(parseFilter('LWT/$SYS/x')).toBeNull();
    expect(parseFilter('+/foo/x')).toBeNull();
  });

  it('rejects syntactically invalid filters', () => {
    expect(parseFilter('')).toBeNull();
    expect(parseFilter('u/#/x')).toBeNull();
    expect(parseFilter('u/feeds/a#')).toBeNull();
    expect(parseFilter('u/f+/x')).toBeNull();
  });
});
