import { describe, expect, it } from 'vitest';
import { csvField, csvLine as formatCsv } from '../../src/core/values.js';
import { PayloadError, formatGroupCsv, formatGroupJson, parseFeedPayload, parseGroupPayload } from '../../src/mqtt/payloads.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const INVALID_UTF8 = Buffer.from([0x34, 0x32, 0xff, 0xfe]);

describe('parseFeedPayload: plain topic', () => {
  it('uses the text as the value', () => {
    expect(parseFeedPayload(b('22.587'), 'plain')).toStrictEqual({ value: '22.587' });
    expect(parseFeedPayload(b('hello world'), 'plain')).toStrictEqual({ value: 'hello world' });
    expect(parseFeedPayload(b('ON'), 'plain')).toStrictEqual({ value: 'ON' });
    expect(parseFeedPayload(b('héllo ✓'), 'plain')).toStrictEqual({ value: 'héllo ✓' });
  });

  it('keeps text with commas and newlines verbatim (no CSV parsing)', () => {
    expect(parseFeedPayload(b('1,2,3\n'), 'plain')).toStrictEqual({ value: '1,2,3\n' });
  });

  it('returns an empty value for an empty payload', () => {
    expect(parseFeedPayload(Buffer.alloc(0), 'plain')).toStrictEqual({ value: '' });
  });

  it('reads IO JSON: string value', () => {
    expect(parseFeedPayload(b('{"value":"42"}'), 'plain')).toStrictEqual({ value: '42' });
  });

  it('reads IO JSON: numbers keep their JSON text', () => {
    expect(parseFeedPayload(b('{"value":40}'), 'plain')).toStrictEqual({ value: '40' });
    expect(parseFeedPayload(b('{"value": 40.0}'), 'plain')).toStrictEqual({ value: '40.0' });
    expect(parseFeedPayload(b('{"value":-1.5e3}'), 'plain')).toStrictEqual({ value: '-1.5e3' });
    expect(parseFeedPayload(b('{"value":12345678901234567890}'), 'plain')).toStrictEqual({
      value: '12345678901234567890',
    });
  });

  it('reads IO JSON: booleans as text', () => {
    expect(parseFeedPayload(b('{"value":true}'), 'plain')).toStrictEqual({ value: 'true' });
    expect(parseFeedPayload(b('{"value":false}'), 'plain')).toStrictEqual({ value: 'false' });
  });

  it('reads IO JSON: nested object and array values are re-serialised compactly', () => {
    expect(parseFeedPayload(b('{ "value" : { "a" : 1, "b" : [ 1, 2.50, "x y" ], "c": {"d": null} } }'), 'plain')).toStrictEqual({
      value: '{"a":1,"b":[1,2.50,"x y"],"c":{"d":null}}',
    });
    expect(parseFeedPayload(b('{"value":[ 1 , 2 ]}'), 'plain')).toStrictEqual({ value: '[1,2]' });
    expect(parseFeedPayload(b('{"value":{"s":"a\\"b\\u00e9"}}'), 'plain')).toStrictEqual({
      value: '{"s":"a\\"bé"}',
    });
  });

  it('reads IO JSON: escaped strings are decoded', () => {
    expect(parseFeedPayload(b('{"value":"line\\nnext \\u2713"}'), 'plain')).toStrictEqual({
      value: 'line\nnext ✓',
    });
  });

  it('reads IO JSON: lat/lon/ele as numbers or numeric strings', () => {
    expect(parseFeedPayload(b('{"value":"42","lat":40.726190,"lon":-74.005334,"ele":-6}'), 'plain')).toStrictEqual({
      value: '42',
      lat: 40.72619,
      lon: -74.005334,
      ele: -6,
    });
    expect(parseFeedPayload(b('{"value":1,"lat":"38.1123","lon":" -91.2325 ","ele":"112"}'), 'plain')).toStrictEqual({
      value: '1',
      lat: 38.1123,
      lon: -91.2325,
      ele: 112,
    });
  });

  it('reads IO JSON: null or blank location fields are absent', () => {
    expect(parseFeedPayload(b('{"value":"1","lat":null,"lon":"","ele":null}'), 'plain')).toStrictEqual({ value: '1' });
    expect(parseFeedPayload(b('{"value":"1","lat":0,"lon":0}'), 'plain')).toStrictEqual({ value: '1', lat: 0, lon: 0 });
  });

  it('reads IO JSON: extra keys are ignored, duplicate keys take the last', () => {
    expect(parseFeedPayload(b('{"value":"1","created_at":"x","feed_key":"k"}'), 'plain')).toStrictEqual({ value: '1' });
    expect(parseFeedPayload(b('{"value":"1","value":"2"}'), 'plain')).toStrictEqual({ value: '2' });
  });

  it('stores a JSON object without value verbatim (original text)', () => {
    const text = '{ "temp": 22.5, "hum": 40 }';
    expect(parseFeedPayload(b(text), 'plain')).toStrictEqual({ value: text });
    expect(parseFeedPayload(b('{}'), 'plain')).toStrictEqual({ value: '{}' });
  });

  it('stores a JSON string literal as the raw payload text', () => {
    expect(parseFeedPayload(b('"hello"'), 'plain')).toStrictEqual({ value: '"hello"' });
    expect(parseFeedPayload(b('"{\\"value\\":1}"'), 'plain')).toStrictEqual({ value: '"{\\"value\\":1}"' });
  });

  it('stores other JSON (numbers, arrays, null) and broken JSON verbatim', () => {
    expect(parseFeedPayload(b('42'), 'plain')).toStrictEqual({ value: '42' });
    expect(parseFeedPayload(b('[1, 2]'), 'plain')).toStrictEqual({ value: '[1, 2]' });
    expect(parseFeedPayload(b('null'), 'plain')).toStrictEqual({ value: 'null' });
    expect(parseFeedPayload(b('{"value": 1'), 'plain')).toStrictEqual({ value: '{"value": 1' });
    expect(parseFeedPayload(b("{'value': 1}"), 'plain')).toStrictEqual({ value: "{'value': 1}" });
    expect(parseFeedPayload(b('{"value": 01}'), 'plain')).toStrictEqual({ value: '{"value": 01}' });
    expect(parseFeedPayload(b('{"value": 1} x'), 'plain')).toStrictEqual({ value: '{"value": 1} x' });
  });

  it('rejects IO JSON with a null value', () => {
    expect(() => parseFeedPayload(b('{"value":null}'), 'plain')).toThrow(PayloadError);
  });

  it('rejects non-numeric or non-finite location fields', () => {
    expect(() => parseFeedPayload(b('{"value":"1","lat":"north"}'), 'plain')).toThrow(/lat must be a number/);
    expect(() => parseFeedPayload(b('{"value":"1","lon":1e999}'), 'plain')).toThrow(/lon must be a finite number/);
    expect(() => parseFeedPayload(b('{"value":"1","ele":[1]}'), 'plain')).toThrow(/ele must be a number/);
    expect(() => parseFeedPayload(b('{"value":"1","lat":"NaN"}'), 'plain')).toThrow(PayloadError);
  });

  it('rejects IO JSON nested too deeply', () => {
    const deep = `{"value":${'['.repeat(600)}${']'.repeat(600)}}`;
    expect(() => parseFeedPayload(b(deep), 'plain')).toThrow(/nested too deeply/);
    const ok = `{"value":${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(parseFeedPayload(b(ok), 'plain')).toStrictEqual({ value: '['.repeat(100) + ']'.repeat(100) });
  });

  it('drops a leading UTF-8 BOM', () => {
    expect(parseFeedPayload(Buffer.from([0xef, 0xbb, 0xbf, 0x34, 0x32]), 'plain')).toStrictEqual({ value: '42' });
  });

  it('rejects invalid UTF-8 with a PayloadError', () => {
    expect(() => parseFeedPayload(INVALID_UTF8, 'plain')).toThrow(PayloadError);
    expect(() => parseFeedPayload(INVALID_UTF8, 'plain')).toThrow('payload is not valid UTF-8');
    try {
      parseFeedPayload(INVALID_UTF8, 'json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PayloadError);
      expect((err as PayloadError).name).toBe('PayloadError');
    }
  });
});

describe('parseFeedPayload: /json topic', () => {
  it('applies the same JSON rules', () => {
    expect(parseFeedPayload(b('{"value":40,"lat":1.5,"lon":2.5}'), 'json')).toStrictEqual({
      value: '40',
      lat: 1.5,
      lon: 2.5,
    });
    expect(parseFeedPayload(b('{"value":{"x": 1}}'), 'json')).toStrictEqual({ value: '{"x":1}' });
    expect(parseFeedPayload(b('{"x": 1}'), 'json')).toStrictEqual({ value: '{"x": 1}' });
    expect(parseFeedPayload(b('"str"'), 'json')).toStrictEqual({ value: '"str"' });
    expect(parseFeedPayload(b('73'), 'json')).toStrictEqual({ value: '73' });
  });

  it('handles Ruby client publishes', () => {
    expect(parseFeedPayload(b('{"value":"42","lat":"40.1","lon":"-74.2","ele":"10"}'), 'json')).toStrictEqual({
      value: '42',
      lat: 40.1,
      lon: -74.2,
      ele: 10,
    });
  });
});

describe('parseFeedPayload: /csv topic', () => {
  it('parses VALUE,LAT,LON,ELE', () => {
    expect(parseFeedPayload(b('22.587,38.1123,-91.2325,112'), 'csv')).toStrictEqual({
      value: '22.587',
      lat: 38.1123,
      lon: -91.2325,
      ele: 112,
    });
  });

  it('a single field is the value only', () => {
    expect(parseFeedPayload(b('42'), 'csv')).toStrictEqual({ value: '42' });
    expect(parseFeedPayload(b('hello world'), 'csv')).toStrictEqual({ value: 'hello world' });
  });

  it('Arduino: quoted value and 4 fields with zero location', () => {
    expect(parseFeedPayload(b('"42",0.000000,0.000000,0.00'), 'csv')).toStrictEqual({
      value: '42',
      lat: 0,
      lon: 0,
      ele: 0,
    });
    expect(parseFeedPayload(b('"23.50",40.726190,-74.005334,-6.00'), 'csv')).toStrictEqual({
      value: '23.50',
      lat: 40.72619,
      lon: -74.005334,
      ele: -6,
    });
  });

  it('Arduino: quoted value containing commas and escaped quotes', () => {
    expect(parseFeedPayload(b('"1,2,3",0.000000,0.000000,0.00'), 'csv')).toStrictEqual({
      value: '1,2,3',
      lat: 0,
      lon: 0,
      ele: 0,
    });
    expect(parseFeedPayload(b('"say ""hi""",1,2,3'), 'csv')).toStrictEqual({ value: 'say "hi"', lat: 1, lon: 2, ele: 3 });
  });

  it('Arduino: unescaped quotes inside the quoted value (toCSV does not escape)', () => {
    expect(parseFeedPayload(b('"say "hi"",0.000000,0.000000,0.00'), 'csv')).toStrictEqual({
      value: 'say "hi"',
      lat: 0,
      lon: 0,
      ele: 0,
    });
    expect(parseFeedPayload(b('"{"a":1,"b":2}",0.000000,0.000000,0.00'), 'csv')).toStrictEqual({
      value: '{"a":1,"b":2}',
      lat: 0,
      lon: 0,
      ele: 0,
    });
  });

  it('AVR: scientific notation (dtostre)', () => {
    expect(parseFeedPayload(b('"4.2000E+01",4.0726190000E+01,-7.4005334000E+01,-6.0000000000E+00'), 'csv')).toStrictEqual({
      value: '4.2000E+01',
      lat: 40.72619,
      lon: -74.005334,
      ele: -6,
    });
    expect(parseFeedPayload(b('"1",0.0000000000e+00,0.0000000000e+00,0.0000000000e+00'), 'csv')).toStrictEqual({
      value: '1',
      lat: 0,
      lon: 0,
      ele: 0,
    });
  });

  it('CircuitPython: whitespace after commas', () => {
    expect(parseFeedPayload(b('42,40.726190, -74.005334, -6'), 'csv')).toStrictEqual({
      value: '42',
      lat: 40.72619,
      lon: -74.005334,
      ele: -6,
    });
  });

  it('ignores a trailing newline (LF or CRLF)', () => {
    expect(parseFeedPayload(b('42\n'), 'csv')).toStrictEqual({ value: '42' });
    expect(parseFeedPayload(b('42,1,2,3\r\n'), 'csv')).toStrictEqual({ value: '42', lat: 1, lon: 2, ele: 3 });
    expect(parseFeedPayload(b('"42",1,2,3\n'), 'csv')).toStrictEqual({ value: '42', lat: 1, lon: 2, ele: 3 });
  });

  it('keeps newlines inside a quoted value', () => {
    expect(parseFeedPayload(b('"a\nb",1,2'), 'csv')).toStrictEqual({ value: 'a\nb', lat: 1, lon: 2 });
  });

  it('blank location fields are absent; partial locations are reported as given', () => {
    expect(parseFeedPayload(b('42,,,'), 'csv')).toStrictEqual({ value: '42' });
    expect(parseFeedPayload(b('42,1.5,2.5'), 'csv')).toStrictEqual({ value: '42', lat: 1.5, lon: 2.5 });
    expect(parseFeedPayload(b('42,1.5,2.5,'), 'csv')).toStrictEqual({ value: '42', lat: 1.5, lon: 2.5 });
    expect(parseFeedPayload(b('42,,,7'), 'csv')).toStrictEqual({ value: '42', ele: 7 });
  });

  it('round-trips formatCsv output', () => {
    expect(parseFeedPayload(b(formatCsv('a,"b"', 1.25, -2.5, 3)), 'csv')).toStrictEqual({
      value: 'a,"b"',
      lat: 1.25,
      lon: -2.5,
      ele: 3,
    });
    expect(parseFeedPayload(b(formatCsv('42', null, null, null)), 'csv')).toStrictEqual({ value: '42' });
  });

  it('empty payload gives an empty value', () => {
    expect(parseFeedPayload(Buffer.alloc(0), 'csv')).toStrictEqual({ value: '' });
    expect(parseFeedPayload(b('\n'), 'csv')).toStrictEqual({ value: '' });
  });

  it('rejects malformed CSV', () => {
    expect(() => parseFeedPayload(b('42,north,west'), 'csv')).toThrow(/lat must be a number/);
    expect(() => parseFeedPayload(b('42,1,2,3,4'), 'csv')).toThrow(/too many fields/);
    expect(() => parseFeedPayload(b('"42,1,2'), 'csv')).toThrow(/unterminated/);
    expect(() => parseFeedPayload(b('42\n43'), 'csv')).toThrow(/single line/);
    expect(() => parseFeedPayload(b('42,nan,0,0'), 'csv')).toThrow(PayloadError);
    expect(() => parseFeedPayload(b('42,1e999,0,0'), 'csv')).toThrow(/lat must be a finite number/);
    expect(() => parseFeedPayload(b('42,Infinity,0,0'), 'csv')).toThrow(PayloadError);
    expect(() => parseFeedPayload(b('42,0x10,0,0'), 'csv')).toThrow(PayloadError);
  });

  it('rejects invalid UTF-8', () => {
    expect(() => parseFeedPayload(INVALID_UTF8, 'csv')).toThrow(PayloadError);
  });
});

describe('parseGroupPayload: JSON', () => {
  it('reads the documented shape with location', () => {
    expect(
      parseGroupPayload(b('{"feeds":{"key-1":"value 1","key-2":2},"location":{"lat":40.7,"lon":-74.0,"ele":6}}'), 'json'),
    ).toStrictEqual({
      feeds: [
        { key: 'key-1', value: 'value 1' },
        { key: 'key-2', value: '2' },
      ],
      lat: 40.7,
      lon: -74,
      ele: 6,
    });
  });

  it('reads feeds without location; numbers keep their text; objects compact', () => {
    expect(parseGroupPayload(b('{ "feeds": { "a": 40, "b": 1.50, "c": {"x": [1, 2]}, "d": true } }'), 'json')).toStrictEqual({
      feeds: [
        { key: 'a', value: '40' },
        { key: 'b', value: '1.50' },
        { key: 'c', value: '{"x":[1,2]}' },
        { key: 'd', value: 'true' },
      ],
    });
  });

  it('accepts feeds as an array of {key, value}', () => {
    expect(parseGroupPayload(b('{"feeds":[{"key":"a","value":"1"},{"key":"b.c","value":2}]}'), 'json')).toStrictEqual({
      feeds: [
        { key: 'a', value: '1' },
        { key: 'b.c', value: '2' },
      ],
    });
  });

  it('accepts numeric-string and null location parts, and a null location', () => {
    expect(parseGroupPayload(b('{"feeds":{"a":"1"},"location":{"lat":"1.5","lon":"2","ele":null}}'), 'json')).toStrictEqual({
      feeds: [{ key: 'a', value: '1' }],
      lat: 1.5,
      lon: 2,
    });
    expect(parseGroupPayload(b('{"feeds":{"a":"1"},"location":null}'), 'json')).toStrictEqual({
      feeds: [{ key: 'a', value: '1' }],
    });
  });

  it('rejects malformed group JSON', () => {
    expect(() => parseGroupPayload(b('not json'), 'json')).toThrow(/not valid JSON/);
    expect(() => parseGroupPayload(b('[1]'), 'json')).toThrow(PayloadError);
    expect(() => parseGroupPayload(b('{"value":1}'), 'json')).toThrow(/"feeds"/);
    expect(() => parseGroupPayload(b('{"feeds":"a"}'), 'json')).toThrow(/"feeds"/);
    expect(() => parseGroupPayload(b('{"feeds":{}}'), 'json')).toThrow(/no feeds/);
    expect(() => parseGroupPayload(b('{"feeds":{"a":null}}'), 'json')).toThrow(/value for a must not be null/);
    expect(() => parseGroupPayload(b('{"feeds":[{"value":1}]}'), 'json')).toThrow(PayloadError);
    expect(() => parseGroupPayload(b('{"feeds":{"a":1},"location":{"lat":"x"}}'), 'json')).toThrow(/lat/);
    expect(() => parseGroupPayload(b('{"feeds":{"a":1},"location":[1,2]}'), 'json')).toThrow(/location/);
    expect(() => parseGroupPayload(INVALID_UTF8, 'json')).toThrow(PayloadError);
  });
});

describe('parseGroupPayload: CSV', () => {
  it('reads Arduino group CSV (trailing \\n on every line)', () => {
    expect(parseGroupPayload(b('temperature,22.50\nhumidity,40\n'), 'csv')).toStrictEqual({
      feeds: [
        { key: 'temperature', value: '22.50' },
        { key: 'humidity', value: '40' },
      ],
    });
  });

  it('reads CRLF lines, a location line with and without ele, quoted values', () => {
    expect(parseGroupPayload(b('a,1\r\nb,"x, y"\r\nlocation,40.7,-74.0,6\r\n'), 'csv')).toStrictEqual({
      feeds: [
        { key: 'a', value: '1' },
        { key: 'b', value: 'x, y' },
      ],
      lat: 40.7,
      lon: -74,
      ele: 6,
    });
    expect(parseGroupPayload(b('location,1.5, 2.5\na,1'), 'csv')).toStrictEqual({
      feeds: [{ key: 'a', value: '1' }],
      lat: 1.5,
      lon: 2.5,
    });
  });

  it('skips blank lines and keeps an unquoted value containing commas', () => {
    expect(parseGroupPayload(b('\na, 1\n\ncolor,1,2,3\n'), 'csv')).toStrictEqual({
      feeds: [
        { key: 'a', value: '1' },
        { key: 'color', value: '1,2,3' },
      ],
    });
  });

  it('round-trips formatGroupCsv output', () => {
    const entries = [
      { key: 'a', value: 'x,"y"' },
      { key: 'b', value: 'line1\nline2' },
    ];
    expect(parseGroupPayload(b(formatGroupCsv(entries, { lat: 1, lon: 2, ele: 3 })), 'csv')).toStrictEqual({
      feeds: entries,
      lat: 1,
      lon: 2,
      ele: 3,
    });
  });

  it('rejects malformed group CSV', () => {
    expect(() => parseGroupPayload(b('onlykey\n'), 'csv')).toThrow(/KEY,VALUE/);
    expect(() => parseGroupPayload(b(',1\n'), 'csv')).toThrow(/empty feed key/);
    expect(() => parseGroupPayload(b('location,1\n'), 'csv')).toThrow(/location line/);
    expect(() => parseGroupPayload(b('a,1\nlocation,1,2,3,4\n'), 'csv')).toThrow(/location line/);
    expect(() => parseGroupPayload(b('a,1\nlocation,x,2\n'), 'csv')).toThrow(/lat must be a number/);
    expect(() => parseGroupPayload(b('a,"1",2\n'), 'csv')).toThrow(/KEY,VALUE/);
    expect(() => parseGroupPayload(b('\n\n'), 'csv')).toThrow(/no feeds/);
    expect(() => parseGroupPayload(b('a,"1\n'), 'csv')).toThrow(/unterminated/);
    expect(() => parseGroupPayload(INVALID_UTF8, 'csv')).toThrow(PayloadError);
  });
});

describe('csvLine (core/values.ts), as the /csv topics use it', () => {
  it('formats value and location', () => {
    expect(formatCsv('42', 40.72619, -74.005334, -6)).toBe('42,40.72619,-74.005334,-6');
    expect(formatCsv('42', 0, 0, 0)).toBe('42,0,0,0');
  });

  it('leaves blank fields for missing location parts', () => {
    expect(formatCsv('42')).toBe('42,,,');
    expect(formatCsv('42', null, null, null)).toBe('42,,,');
    expect(formatCsv('42', 1.5, 2.5, null)).toBe('42,1.5,2.5,');
    expect(formatCsv('42', 1.5, undefined, 3)).toBe('42,1.5,,3');
  });

  it('quotes the value only when needed', () => {
    expect(formatCsv('hello world')).toBe('hello world,,,');
    expect(formatCsv('a,b')).toBe('"a,b",,,');
    expect(formatCsv('say "hi"')).toBe('"say ""hi""",,,');
    expect(formatCsv('a\nb')).toBe('"a\nb",,,');
    expect(formatCsv('a\rb')).toBe('"a\rb",,,');
    expect(formatCsv('{"a":1}')).toBe('"{""a"":1}",,,');
    expect(formatCsv('')).toBe(',,,');
  });

  it('csvField quotes only on comma, quote, CR, LF, or surrounding spaces (which CSV readers trim)', () => {
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('"')).toBe('""""');
  });
});

describe('formatGroupJson', () => {
  it('formats feeds with string values', () => {
    expect(formatGroupJson([{ key: 'key-1', value: 'value 1' }])).toBe('{"feeds":{"key-1":"value 1"}}');
    expect(
      formatGroupJson([
        { key: 'a', value: '40' },
        { key: 'b', value: '{"x":1}' },
      ]),
    ).toBe('{"feeds":{"a":"40","b":"{\\"x\\":1}"}}');
  });

  it('adds location when given', () => {
    expect(formatGroupJson([{ key: 'a', value: '1' }], { lat: 40.7, lon: -74, ele: 6 })).toBe(
      '{"feeds":{"a":"1"},"location":{"lat":40.7,"lon":-74,"ele":6}}',
    );
    expect(formatGroupJson([{ key: 'a', value: '1' }], { lat: 1, lon: 2, ele: null })).toBe(
      '{"feeds":{"a":"1"},"location":{"lat":1,"lon":2,"ele":null}}',
    );
  });

  it('omits location when absent or empty', () => {
    expect(formatGroupJson([{ key: 'a', value: '1' }], null)).toBe('{"feeds":{"a":"1"}}');
    expect(formatGroupJson([{ key: 'a', value: '1' }], { lat: null, lon: null, ele: null })).toBe('{"feeds":{"a":"1"}}');
  });

  it('handles a __proto__ key safely and round-trips', () => {
    const out = formatGroupJson([{ key: '__proto__', value: 'x' }]);
    expect(out).toBe('{"feeds":{"__proto__":"x"}}');
    expect(parseGroupPayload(b(out), 'json')).toStrictEqual({ feeds: [{ key: '__proto__', value: 'x' }] });
  });
});

describe('formatGroupCsv', () => {
  it('joins key,value lines with \\n', () => {
    expect(
      formatGroupCsv([
        { key: 'a', value: '1' },
        { key: 'b', value: 'two words' },
      ]),
    ).toBe('a,1\nb,two words');
  });

  it('appends a location line when given', () => {
    expect(formatGroupCsv([{ key: 'a', value: '1' }], { lat: 40.7, lon: -74, ele: 6 })).toBe('a,1\nlocation,40.7,-74,6');
    expect(formatGroupCsv([{ key: 'a', value: '1' }], { lat: 1, lon: 2 })).toBe('a,1\nlocation,1,2,');
    expect(formatGroupCsv([{ key: 'a', value: '1' }], {})).toBe('a,1');
  });

  it('quotes values that need it', () => {
    expect(formatGroupCsv([{ key: 'a', value: 'x,y' }])).toBe('a,"x,y"');
  });
});
