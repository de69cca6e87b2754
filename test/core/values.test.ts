import { describe, expect, it } from 'vitest';
import { keyFromName, uniqueKey, validateKey, validateName } from '../../src/core/keys.js';
import { csvLine, isoSeconds, parseTime, toBool, toVisibility, valueText } from '../../src/core/values.js';

describe('values', () => {
  it('turn client values into stored text', () => {
    expect(valueText(40)).toBe('40');
    expect(valueText(-0.5)).toBe('-0.5');
    expect(valueText('x')).toBe('x');
    expect(valueText(false)).toBe('false');
    expect(valueText({ b: { c: [1] } })).toBe('{"b":{"c":[1]}}');
    expect(valueText(Buffer.from('buf'))).toBe('buf');
    expect(valueText(null)).toBeUndefined();
  });

  it('parse the time forms clients and our Link header use', () => {
    expect(parseTime('2019-05-05T00:00Z')).toBe(Date.parse('2019-05-05T00:00:00Z'));
    expect(parseTime('2019-05-03 17:35:13 UTC')).toBe(Date.parse('2019-05-03T17:35:13Z'));
    expect(parseTime('2019-05-03 17:35:13.637 UTC')).toBe(Date.parse('2019-05-03T17:35:13.637Z'));
    expect(parseTime('2019-05-03T17:35:13+0200')).toBe(Date.parse('2019-05-03T15:35:13Z'));
    expect(parseTime('2019-05-03')).toBe(Date.parse('2019-05-03T00:00:00Z'));
    expect(parseTime('1556904913')).toBe(1556904913000);
    expect(parseTime('yesterday')).toBeNull();
    expect(parseTime('2019-13-45')).toBeNull();
    expect(isoSeconds(Date.parse('2019-05-03T17:35:13.637Z'))).toBe('2019-05-03T17:35:13Z');
    // The fast path agrees with Date at day, leap-day and epoch edges.
    for (const iso of [
      '1970-01-01T00:00:00Z',
      '1969-12-31T23:59:59Z',
      '2000-02-29T23:59:59Z',
      '2024-12-31T00:00:00Z',
      '2026-11-26T02:28:21Z',
    ]) {
      expect(isoSeconds(Date.parse(iso) + 999)).toBe(iso);
    }
  });

  it('coerce the odd values real clients send', () => {
    expect(toBool('ON', 'History')).toBe(true);
    expect(toBool('off', 'History')).toBe(false);
    expect(toBool(null, 'History')).toBeUndefined();
    expect(() => toBool('maybe', 'History')).toThrow(/History/);
    expect(toVisibility('Private')).toBe('private');
    expect(() => toVisibility('hidden')).toThrow();
  });

  it('write CSV value,lat,lon,ele, quoting only when needed', () => {
    expect(csvLine('42', null, null, null)).toBe('42,,,');
    expect(csvLine('a,b', 1, 2, 3)).toBe('"a,b",1,2,3');
    expect(csvLine('say "hi"', null, null, null)).toBe('"say ""hi""",,,');
  });
});

describe('keys and names', () => {
  it('derive keys the way the hosted service does', () => {
    expect(keyFromName('DemoFeed')).toBe('demofeed');
    expect(keyFromName('Garbage f40afe36')).toBe('garbage-f40afe36');
    expect(keyFromName('mq6_gas')).toBe('mq6-gas');
    expect(keyFromName('  --Weather  Station!! ')).toBe('weather-station');
    expect(keyFromName('x'.repeat(200))).toHaveLength(128);
  });

  it('suffix taken keys with -1, -2', () => {
    const taken = new Set(['l', 'l-1']);
    expect(uniqueKey('l', (k) => taken.has(k))).toBe('l-2');
    expect(uniqueKey('free', (k) => taken.has(k))).toBe('free');
  });

  it('validate names and keys with Adafruit wording', () => {
    expect(validateName(' Nutrient Concentration ')).toBe('Nutrient Concentration');
    expect(() => validateName('a/b')).toThrow('Validation failed: Name may contain only letters, digits, underscores, spaces, or dashes');
    expect(() => validateName('42')).toThrow(/letter/);
    expect(validateKey('My-Key')).toBe('my-key');
    expect(() => validateKey('a.b')).toThrow(/Key/);
  });
});
