import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INVALID_URL_TEXT } from '../../src/core/errors.js';
import { makeApp, type TestApp } from '../helpers.js';
import { BOUNDARY, bytes, everything, multipart, MULTIPART, seed, send } from './helpers.js';

let t: TestApp;
let hooks: { hook: string; raw: string };
beforeEach(async () => {
  t = await makeApp();
  hooks = await seed(t);
});
afterEach(() => t.close());

const A = '/api/v2/alice';
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const FF = [0xff];
const C328 = [0xc3, 0x28]; // a lead byte without its continuation

type Case = [label: string, method: 'POST' | 'PUT', url: () => string, body: Buffer | string, type: string | undefined];

/** Each case must answer `status` with a JSON error and leave everything as it was. */
async function expectRefusedWhole(cases: Case[], status: number, message: RegExp) {
  const before = await everything(t);
  for (const [label, method, url, body, type] of cases) {
    const res = await send(t, method, url(), body, type, { key: url().includes('/webhooks/feed/') ? null : undefined });
    expect(res.status, label).toBe(status);
    expect(res.json, label).toEqual({ error: expect.stringMatching(message) });
  }
  expect(await everything(t)).toEqual(before);
}

describe('bytes that are not UTF-8 are refused, never stored as U+FFFD', () => {
  it('in JSON, form and multipart bodies of data, batches, group data and names', async () => {
    const block = (name: number[]) => bytes('{"name":"b', name, '","visual_type":"gauge","block_feeds":[{"feed_id":"temp"}]}');
    await expectRefusedWhole(
      [
        ['data JSON', 'POST', () => `${A}/feeds/temp/data`, bytes('{"value":"a', FF, '"}'), JSON_TYPE],
        ['data JSON, number-keeping parser', 'POST', () => `${A}/feeds/temp/data`, bytes('{"value":1.50,"x":"', FF, '"}'), JSON_TYPE],
        [
          'data JSON to a new feed',
          'POST',
          () => `${A}/feeds/fresh/data`,
          bytes('{"value":"', C328, '"}'),
          'application/json; charset=utf-8',
        ],
        ['data update', 'PUT', () => `${A}/feeds/temp/data/0`, bytes('{"value":"', FF, '"}'), JSON_TYPE],
        ['batch', 'POST', () => `${A}/feeds/temp/data/batch`, bytes('[{"value":"ok"},{"value":"', FF, '"}]'), JSON_TYPE],
        ['group data', 'POST', () => `${A}/groups/g/data`, bytes('{"feeds":[{"key":"a","value":"', FF, '"}]}'), JSON_TYPE],
        ['data in a group', 'POST', () => `${A}/groups/g/feeds/gf/data`, bytes('{"value":"', C328, '"}'), JSON_TYPE],
        ['feed name', 'POST', () => `${A}/feeds`, bytes('{"name":"n', FF, '"}'), JSON_TYPE],
        ['feed rename', 'PUT', () => `${A}/feeds/temp`, bytes('{"name":"n', FF, '"}'), JSON_TYPE],
        ['group name', 'POST', () => `${A}/groups`, bytes('{"name":"n', FF, '"}'), JSON_TYPE],
        ['dashboard name', 'POST', () => `${A}/dashboards`, bytes('{"name":"n', C328, '"}'), JSON_TYPE],
        ['block name', 'POST', () => `${A}/dashboards/d/blocks`, block(FF), JSON_TYPE],
        ['webhook', 'POST', () => hooks.hook, bytes('{"value":"', FF, '"}'), JSON_TYPE],
        ['raw webhook', 'POST', () => hooks.raw, bytes('a', FF), 'text/plain'],
        ['raw webhook, no content type', 'POST', () => hooks.raw, bytes(C328), undefined],
        ['form, raw byte', 'POST', () => `${A}/feeds/temp/data`, bytes('value=a', FF), FORM],
        ['form, escaped byte', 'POST', () => `${A}/feeds/temp/data`, 'value=a%FF', FORM],
        ['form name, escaped', 'POST', () => `${A}/feeds`, 'name=%C3%28', `${FORM}; charset=UTF-8`],
        ['form field name', 'POST', () => `${A}/feeds`, bytes('name=x&n', FF, '=1'), FORM],
        ['multipart value', 'POST', () => `${A}/feeds/temp/data`, multipart([['value', Buffer.from(FF)]]), MULTIPART],
        ['multipart name', 'POST', () => `${A}/dashboards`, multipart([['name', bytes('d', C328)]]), MULTIPART],
        ['multipart webhook', 'POST', () => hooks.hook, multipart([['value', Buffer.from(FF)]]), MULTIPART],
      ],
      400,
      /UTF-8/,
    );
  });

  it('in the query string, where escapes spell them', async () => {
    await expectRefusedWhole(
      [
        ['group_key', 'POST', () => `${A}/feeds?group_key=%FF`, '{"name":"q"}', JSON_TYPE],
        ['any parameter', 'POST', () => `${A}/feeds/temp/data?x=%C3%28`, '{"value":"1"}', JSON_TYPE],
        ['a parameter name', 'POST', () => `${A}/groups?%FF=1`, '{"name":"q"}', JSON_TYPE],
      ],
      400,
      /UTF-8/,
    );
  });

  it('in the path, with our JSON error and the CORS headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: `${A}/feeds/%FF` });
    expect(res.statusCode).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    await expectRefusedWhole(
      [
        ['feed', 'POST', () => `${A}/feeds/%FF/data`, '{"value":"1"}', JSON_TYPE],
        ['group', 'POST', () => `${A}/groups/g%C3%28/data`, '{"feeds":{"a":"1"}}', JSON_TYPE],
      ],
      400,
      /URL path/,
    );
  });

  it('while UTF-8 text in every encoding is stored exactly, and Arduino’s unescaped % stays as sent', async () => {
    const text = 'café ☕ 😀 \u{10FFFF}';
    const stored: string[] = [];
    const post = async (body: Buffer | string, type: string | undefined, url = `${A}/feeds/temp/data`) => {
      const res = await send(t, 'POST', url, body, type, { key: url.includes('/webhooks/feed/') ? null : undefined });
      expect(res.status, String(body)).toBe(200);
      stored.push(res.json.value as string);
    };
    await post(JSON.stringify({ value: text }), JSON_TYPE);
    await post(JSON.stringify({ value: text, lat: 1.5 }).replace('1.5', '1.50'), JSON_TYPE); // number-keeping parser
    await post(`value=${encodeURIComponent(text)}`, FORM);
    await post(Buffer.from(`value=${text}`), FORM); // unescaped, as Arduino sends
    await post(multipart([['value', text]]), MULTIPART);
    await post(Buffer.from(text), 'text/plain', hooks.raw);
    await post('value=100% pure', FORM);
    await post('value=50%25 and 100%', FORM); // a stray % leaves the whole value as sent
    expect(stored).toEqual([text, text, text, text, text, text, '100% pure', '50%25 and 100%']);
    const feed = await send(
      t,
      'POST',
      `${A}/feeds?x=${encodeURIComponent(text)}`,
      `name=Cafe&description=${encodeURIComponent(text)}`,
      FORM,
    );
    expect(feed.json).toMatchObject({ name: 'Cafe', description: text });
  });
});

describe('__proto__ and constructor.prototype keys are a 400, as Fastify answers by default', () => {
  it('on every body parser and at any depth, storing nothing', async () => {
    await expectRefusedWhole(
      [
        ['feed create', 'POST', () => `${A}/feeds`, '{"__proto__":{"admin":true},"name":"p"}', JSON_TYPE],
        ['wrapped feed', 'POST', () => `${A}/feeds`, '{"feed":{"constructor":{"prototype":{"x":1}},"name":"p"}}', JSON_TYPE],
        ['escaped key', 'POST', () => `${A}/groups`, '{"\\u005f_proto__":{},"name":"p"}', JSON_TYPE],
        ['data', 'POST', () => `${A}/feeds/temp/data`, '{"value":"1","__proto__":{}}', JSON_TYPE],
        ['data, number-keeping parser', 'POST', () => `${A}/feeds/temp/data`, '{"value":1.0,"__proto__":{}}', JSON_TYPE],
        ['batch item', 'POST', () => `${A}/feeds/temp/data/batch`, '[{"value":1},{"value":2,"constructor":{"prototype":{}}}]', JSON_TYPE],
        [
          'batch item, number-keeping parser',
          'POST',
          () => `${A}/feeds/temp/data/batch`,
          '[{"value":1.0},{"value":2,"__proto__":{}}]',
          JSON_TYPE,
        ],
        ['group data', 'POST', () => `${A}/groups/g/data`, '{"feeds":{"__proto__":"1"}}', JSON_TYPE],
        ['webhook', 'POST', () => hooks.hook, '{"value":"1","__proto__":{"x":1}}', JSON_TYPE],
        ['token', 'POST', () => `${A}/tokens`, '{"__proto__":{}}', JSON_TYPE],
        ['dashboard', 'PUT', () => `${A}/dashboards/d`, '{"name":"x","constructor":{"prototype":{"x":1}}}', JSON_TYPE],
        ['form', 'POST', () => `${A}/feeds`, 'name=p&__proto__=x', FORM],
        ['form, escaped', 'POST', () => `${A}/feeds/temp/data`, 'value=1&%5F%5Fproto%5F%5F=x', FORM],
        [
          'multipart',
          'POST',
          () => `${A}/feeds/temp/data`,
          multipart([
            ['value', '1'],
            ['__proto__', 'x'],
          ]),
          MULTIPART,
        ],
      ],
      400,
      /forbidden key/,
    );
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('but the same words as values, and a constructor without prototype, are fine', async () => {
    expect((await t.req('POST', `${A}/feeds/temp/data`, { body: { value: '__proto__' } })).json.value).toBe('__proto__');
    expect((await t.req('POST', `${A}/feeds/temp/data`, { body: '{"value":{"constructor":"x"}}' })).json.value).toBe('{"constructor":"x"}');
    expect((await t.req('POST', `${A}/feeds/temp/data`, { form: { value: 'constructor' } })).json.value).toBe('constructor');
  });
});

describe('content types', () => {
  it('a body no route parses is a 415 that stores nothing', async () => {
    await expectRefusedWhole(
      [
        ['XML webhook receiver', 'POST', () => `${A}/feeds/temp/webhooks`, '<webhook><kind>raw</kind></webhook>', 'application/xml'],
        ['text token', 'POST', () => `${A}/tokens`, 'readable=true', 'text/plain'],
        ['octet-stream data', 'POST', () => `${A}/feeds/temp/data`, '42', 'application/octet-stream'],
        ['no content type', 'POST', () => `${A}/feeds`, '{"name":"x"}', undefined],
        ['text on the data webhook', 'POST', () => hooks.hook, 'value=1', 'text/plain'],
      ],
      415,
      /unsupported media type/,
    );
  });

  it('an unknown route stays a 404 whatever the body', async () => {
    for (const url of ['/nope', `${A}/nothing-here`]) {
      const res = await send(t, 'POST', url, '<a/>', 'application/xml');
      expect(res.status, url).toBe(404);
      expect(res.json).toEqual({ error: INVALID_URL_TEXT });
    }
  });

  it('the raw webhook takes any content type, or none, as the value', async () => {
    for (const [body, type] of [
      ['<a>1</a>', 'application/xml'],
      ['plain', undefined],
      ['{"value": 1.0}', JSON_TYPE],
      ['a=1&b', FORM],
    ] as const) {
      const res = await send(t, 'POST', hooks.raw, body, type, { key: null });
      expect(res.status, type).toBe(200);
      expect(res.json.value).toBe(body);
    }
  });

  it('keeps what real clients send working', async () => {
    const ok = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: string | Buffer, type?: string) => {
      const res = await send(t, method, url, body, type);
      expect(res.status, `${method} ${url} ${type}`).toBeLessThan(300);
      return res.json;
    };
    expect((await ok('POST', `${A}/feeds/temp/data`, '{"value":1}', 'application/json; charset=utf-8')).value).toBe('1');
    expect((await ok('POST', `${A}/feeds/temp/data`, '{"value":2}', 'application/json;charset=UTF-8')).value).toBe('2');
    expect((await ok('POST', `${A}/feeds/temp/data`, 'value=3', `${FORM}; charset=utf-8`)).value).toBe('3');
    expect((await ok('POST', `${A}/feeds`, 'name=My Feed', FORM)).name).toBe('My Feed');
    expect((await ok('POST', `${A}/feeds/temp/data`, multipart([['value', '4']]), MULTIPART)).value).toBe('4');
    // curl -F value=@- : a file part is the value's text.
    const filePart = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="value"; filename="-"\r\nContent-Type: application/octet-stream\r\n\r\n42.0\r\n--${BOUNDARY}--\r\n`;
    expect((await ok('POST', `${A}/feeds/temp/data`, filePart, MULTIPART)).value).toBe('42.0');
    await ok('GET', `${A}/feeds`);
    await ok('GET', `${A}/feeds`, undefined, JSON_TYPE);
    await ok('POST', `${A}/tokens`); // Ruby's create: no body, no content type
    await ok('POST', `${A}/tokens`, '', 'text/plain'); // an empty body with a stray type is no body
    await ok('DELETE', `${A}/dashboards/d`, '', 'text/plain');
    await ok('DELETE', `${A}/groups/g`);
    await ok('DELETE', `${A}/feeds/big`, '', JSON_TYPE);
    const explicit = await t.app.inject({
      method: 'POST',
      url: `${A}/tokens`,
      headers: { 'x-aio-key': t.alice.key, 'content-type': 'text/plain', 'content-length': '0' },
    });
    expect(explicit.statusCode).toBe(200);
  });

  it('a malformed multipart body is a 400, not a 500, and stores nothing', async () => {
    const good = multipart([['value', '1']]);
    await expectRefusedWhole(
      [
        ['no boundary', 'POST', () => `${A}/feeds/temp/data`, good, 'multipart/form-data'],
        ['another boundary', 'POST', () => `${A}/feeds/temp/data`, good, 'multipart/form-data; boundary=other'],
        ['cut short', 'POST', () => `${A}/feeds/temp/data`, good.subarray(0, good.length - 12), MULTIPART],
        ['no part headers', 'POST', () => `${A}/feeds`, `--${MULTIPART.split('=')[1]}\r\nname\r\n`, MULTIPART],
      ],
      400,
      /multipart|bad request/,
    );
  });

  it('a chunked body (no Content-Length) is read to the same limit', async () => {
    const stream = Readable.from([Buffer.from('{"name":"'), Buffer.alloc(70 * 1024, 'x'), Buffer.from('"}')]);
    const res = await send(t, 'POST', `${A}/feeds`, stream, JSON_TYPE);
    expect(res.status).toBe(413);
    const small = await send(t, 'POST', `${A}/feeds`, Readable.from([Buffer.from('{"name":'), Buffer.from('"chunked"}')]), JSON_TYPE);
    expect(small.json).toMatchObject({ name: 'chunked' });
  });
});

describe('bodies that arrive in pieces', () => {
  /** The body as a stream of `size`-byte chunks: no Content-Length, as a chunked upload. */
  const pieces = (body: Buffer | string, size: number) => {
    const buf = Buffer.from(body);
    const out: Buffer[] = [];
    for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
    return Readable.from(out);
  };
  const KB = 1024;

  it('a chunked multipart body is held to the route’s limit as a whole, not part by part', async () => {
    const before = await everything(t);
    // Each part is under the 64 KB limit; together they are not.
    const body = multipart([
      ['name', 'd2'],
      ['a', 'x'.repeat(40 * KB)],
      ['b', 'y'.repeat(40 * KB)],
    ]);
    const res = await send(t, 'POST', `${A}/dashboards`, pieces(body, 4 * KB), MULTIPART);
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ error: expect.stringMatching(/^request entity too large - /) });
    expect(await everything(t)).toEqual(before);
    const small = await send(t, 'POST', `${A}/dashboards`, pieces(multipart([['name', 'chunked']]), 7), MULTIPART);
    expect(small.json).toMatchObject({ name: 'chunked' });
  });

  it('a character split between chunks is whole; a bad byte in any chunk is a 400 that stores nothing', async () => {
    const text = 'café ☕ 😀';
    for (const [body, type] of [
      [Buffer.from(`value=${text}`), FORM],
      [multipart([['value', text]]), MULTIPART],
    ] as const) {
      const res = await send(t, 'POST', `${A}/feeds/temp/data`, pieces(body, 1), type);
      expect(res.json?.value, type).toBe(text);
    }
    const before = await everything(t);
    for (const [label, body, type] of [
      ['form', bytes('value=caf', [0xc3], 'x'), FORM],
      ['form, cut inside a character', bytes('value=caf', [0xe2, 0x98]), FORM],
      ['multipart', multipart([['value', bytes('a', C328)]]), MULTIPART],
      // Bytes after the closing boundary are part of the body too.
      ['multipart epilogue', Buffer.concat([multipart([['value', '1']]), Buffer.from(FF)]), MULTIPART],
    ] as const) {
      const res = await send(t, 'POST', `${A}/feeds/temp/data`, pieces(body, 1), type);
      expect([res.status, res.json], label).toEqual([400, { error: expect.stringMatching(/UTF-8/) }]);
    }
    expect(await everything(t)).toEqual(before);
  });

  it('over a real socket, a chunked body refused early is answered, then the connection closed, as Fastify does', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (type: string, chunks: Buffer[]) =>
      new Promise<{ status: number; json: unknown; connection?: string }>((resolve, reject) => {
        const req = request({
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: `${A}/dashboards`,
          agent,
          headers: { 'x-aio-key': t.alice.key, 'content-type': type },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(body), connection: res.headers.connection }));
        });
        req.on('error', reject);
        for (const c of chunks) req.write(c);
        req.end();
      });
    // Each refused early, with a megabyte still to come.
    const more = Buffer.alloc(1024 * KB, 'y');
    const tooLarge = multipart([
      ['name', 'd3'],
      ['a', 'x'.repeat(40 * KB)],
      ['b', more],
    ]);
    try {
      const refusals = [
        await post(MULTIPART, [tooLarge.subarray(0, 50 * KB), tooLarge.subarray(50 * KB)]),
        await post(MULTIPART, [bytes(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="name"\r\n\r\n`, C328), more]),
        await post('multipart/form-data', [multipart([['name', 'no boundary']]), more]),
        await post(FORM, [bytes('name=a', FF), more]),
      ];
      expect(refusals.map((r) => r.status)).toEqual([413, 400, 400, 400]);
      expect(refusals.map((r) => r.json)).toEqual([
        { error: expect.stringMatching(/^request entity too large - /) },
        { error: expect.stringMatching(/UTF-8/) },
        { error: expect.stringMatching(/multipart body is malformed/) },
        { error: expect.stringMatching(/UTF-8/) },
      ]);
      expect(refusals.map((r) => r.connection)).toEqual(['close', 'close', 'close', 'close']);
      const ok = await post(MULTIPART, [multipart([['name', 'after']])]);
      expect([ok.status, ok.connection]).toEqual([201, 'keep-alive']);
    } finally {
      agent.destroy();
    }
  });
});

describe('a multipart body whose Content-Length is over the limit', () => {
  it('is refused before a byte of it is read', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const socket = connect({ port, host: '127.0.0.1' });
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    // Only the headers are sent: the answer cannot wait for the body.
    socket.write(
      `POST ${A}/dashboards HTTP/1.1\r\nHost: x\r\nX-AIO-Key: ${t.alice.key}\r\nContent-Type: ${MULTIPART}\r\nContent-Length: ${64 * 1024 + 1}\r\n\r\n`,
    );
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1.1 413 /);
    expect(text).toMatch(/request entity too large - /);
  });
});

describe('the raw webhook scope parses nothing', () => {
  it('so /notify takes a form or multipart body it cannot read, and /raw stores multipart as sent', async () => {
    const notify = hooks.raw.replace(/raw$/, 'notify');
    for (const [body, type] of [
      [bytes('value=', FF), FORM],
      [multipart([['value', Buffer.from(FF)]]), MULTIPART],
      ['not multipart', MULTIPART],
    ] as const) {
      const res = await send(t, 'POST', notify, body, type, { key: null });
      expect(res.status, type).toBe(200);
      expect(res.json.value).toBe('ping');
    }
    const body = multipart([['value', '1']]).toString();
    expect((await send(t, 'POST', hooks.raw, body, MULTIPART, { key: null })).json.value).toBe(body);
  });
});

describe('multipart parts', () => {
  it('keep their text as sent, whatever their Content-Type (a JSON part is not parsed)', async () => {
    const body = multipart([['value', '{"a":1.50}']], 'Content-Type: application/json\r\n');
    expect((await send(t, 'POST', `${A}/feeds/temp/data`, body, MULTIPART)).json.value).toBe('{"a":1.50}');
  });

  it('past the cap are refused with the cap in the answer', async () => {
    const parts = Array.from({ length: 101 }, (_, i) => [`f${i}`, '1'] as [string, string]);
    const res = await send(t, 'POST', `${A}/feeds/temp/data`, multipart([['value', '1'], ...parts.slice(1)]), MULTIPART);
    expect([res.status, res.json]).toEqual([413, { error: 'request entity too large - at most 100 multipart parts' }]);
  });

  it('named like a member of Object.prototype are a 400, as @fastify/multipart refuses them', async () => {
    await expectRefusedWhole(
      [
        [
          'constructor',
          'POST',
          () => `${A}/feeds/temp/data`,
          multipart([
            ['value', '1'],
            ['constructor', 'x'],
          ]),
          MULTIPART,
        ],
        [
          'toString',
          'POST',
          () => `${A}/dashboards`,
          multipart([
            ['name', 'x'],
            ['toString', 'x'],
          ]),
          MULTIPART,
        ],
      ],
      400,
      /forbidden key/,
    );
  });
});
