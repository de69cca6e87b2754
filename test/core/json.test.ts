import { describe, expect, it } from 'vitest';
import type { AioError } from '../../src/core/errors.js';
import { compact, JsonDepthError, JsonProtoError, parseJson, toJsKeepingValues, type JsonNode } from '../../src/core/json.js';

const roundTrip = (text: string) => {
  const node = parseJson(text);
  expect(node, text).not.toBeNull();
  return compact(node!);
};

describe('parseJson and compact', () => {
  it('keep the spelling of numbers as sent', () => {
    for (const n of ['40', '40.0', '-0', '-0.5', '1e3', '1E+3', '2.50e-7', '12345678901234567890', '9007199254740993']) {
      expect(roundTrip(n)).toBe(n);
      expect(roundTrip(`{"value": ${n}}`)).toBe(`{"value":${n}}`);
    }
  });

  it('compact whitespace and keep strings, escapes, booleans and null', () => {
    expect(roundTrip(' { "a" : [ 1 , "x\\n\\u00e9\\"" , true , false , null ] } ')).toBe('{"a":[1,"x\\né\\"",true,false,null]}');
    expect(roundTrip('"caf\u00e9 \ud83d\ude00"')).toBe('"café 😀"');
    expect(roundTrip('[]')).toBe('[]');
    expect(roundTrip('{}')).toBe('{}');
  });

  it('nest objects and arrays, last duplicate key wins as in JSON.parse', () => {
    const node = parseJson('{"a":{"b":[{"c":[[1],[2.0]]}]},"a2":1,"a2":2}')!;
    expect(compact(node)).toBe('{"a":{"b":[{"c":[[1],[2.0]]}]},"a2":2}');
    expect(node.t).toBe('object');
    const deep = `${'['.repeat(500)}1${']'.repeat(500)}`;
    expect(roundTrip(deep)).toBe(deep);
  });

  it('return null for anything that is not JSON', () => {
    for (const bad of [
      '',
      ' ',
      '{',
      '{"a":}',
      '{"a" 1}',
      '[1,]',
      '[1 2]',
      '01',
      '1.',
      '.5',
      '+1',
      'tru',
      'nul',
      '"abc',
      '"a\tb"',
      '"\\x"',
      "{'a':1}",
      '{"a":1}x',
      'NaN',
    ]) {
      expect(parseJson(bad), bad).toBeNull();
    }
  });

  it('refuse nesting past 512 levels with a 422 instead of risking the stack', () => {
    const tooDeep = `${'['.repeat(600)}${']'.repeat(600)}`;
    expect(() => parseJson(tooDeep)).toThrow(JsonDepthError);
    try {
      parseJson(tooDeep);
    } catch (err) {
      expect((err as AioError).status).toBe(422);
    }
  });
});

describe('forbidden keys (forbidProtoKeys, what the HTTP door asks for)', () => {
  const refused = [
    '{"__proto__": {"admin": true}}',
    '{"value": 1.5, "__proto__": 1}',
    '{"\\u005f_proto__": {}}',
    '{"feeds": [{"key": "a", "value": 1}, {"__proto__": {"x": 1}}]}',
    '[{"value": 1}, {"value": 2, "constructor": {"prototype": {"x": 1}}}]',
    '{"constructor": {"prototype": null}}',
  ];

  it('throw a 400 for __proto__ and for constructor holding prototype, at any depth', () => {
    for (const text of refused) {
      expect(() => parseJson(text, { forbidProtoKeys: true }), text).toThrow(JsonProtoError);
      try {
        parseJson(text, { forbidProtoKeys: true });
      } catch (err) {
        expect((err as AioError).status).toBe(400);
      }
    }
  });

  it('let through the same words as values, and a constructor without a prototype', () => {
    for (const text of [
      '{"value": "__proto__"}',
      '{"constructor": "x"}',
      '{"constructor": {"name": 1}}',
      '["__proto__", "constructor"]',
      '{"proto": 1}',
    ]) {
      expect(parseJson(text, { forbidProtoKeys: true }), text).not.toBeNull();
    }
  });

  it('keep such keys as plain data without the option (the MQTT door relies on it)', () => {
    for (const text of refused) expect(parseJson(text), text).not.toBeNull();
    const js = toJsKeepingValues(parseJson('{"__proto__": {"admin": true}}')!) as Record<string, unknown>;
    expect(Object.getPrototypeOf(js)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.keys(js)).toEqual(['__proto__']);
  });
});

describe('toJsKeepingValues', () => {
  it('turns value and payload members that are not strings into their source text', () => {
    const node = parseJson('{"value": 40.0, "lat": 1.50, "payload": {"a": [1.0]}, "nested": {"value": 2.0}}')!;
    expect(toJsKeepingValues(node)).toEqual({ value: '40.0', lat: 1.5, payload: '{"a":[1.0]}', nested: { value: '2.0' } });
    expect(toJsKeepingValues(parseJson('[{"value": 1e3}, {"value": "s"}, {"value": null}]')!)).toEqual([
      { value: '1e3' },
      { value: 's' },
      { value: null },
    ]);
  });

  it('gives numbers elsewhere as JavaScript numbers', () => {
    const node: JsonNode = parseJson('{"n": 12345678901234567890, "b": true}')!;
    expect(toJsKeepingValues(node)).toEqual({ n: 12345678901234567000, b: true });
  });
});
