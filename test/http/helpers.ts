import { expect } from 'vitest';
import type { TestAccount, TestApp } from '../helpers.js';

/** A request with raw bytes: `type` undefined sends no content type; `key: null` sends no key. */
export async function send(
  t: TestApp,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: string | Buffer | NodeJS.ReadableStream,
  type?: string,
  opts: { key?: string | null; as?: TestAccount } = {},
) {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? (opts.as ?? t.alice).key : opts.key;
  if (key !== null) headers['x-aio-key'] = key;
  if (type !== undefined) headers['content-type'] = type;
  const res = await t.app.inject({ method, url, headers, payload: payload as string | Buffer | undefined });
  let json: any;
  try {
    json = res.body === '' ? undefined : JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, text: res.body };
}

export const BOUNDARY = '----aio-test-boundary';
export const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

/** A multipart body; a value may be raw bytes. */
export function multipart(fields: Array<[string, string | Buffer]>, extraHeaders = ''): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n${extraHeaders}\r\n`),
      Buffer.from(value),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

/** Bytes around text: `bytes('{"value":"', [0xff], '"}')`. */
export function bytes(...pieces: Array<string | number[]>): Buffer {
  return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
}

/**
 * Everything alice's requests could have touched, read back over the wire: feeds, groups,
 * dashboards with their blocks, every feed's data, activities, tokens and webhook receivers.
 */
export async function everything(t: TestApp) {
  const get = async (url: string) => {
    const res = await t.req('GET', `/api/v2/alice${url}`);
    expect(res.status, url).toBe(200);
    return res.json;
  };
  const feeds = (await get('/feeds')) as Array<{ key: string }>;
  const dashboards = (await get('/dashboards')) as Array<{ key: string }>;
  const data: Record<string, unknown> = {};
  const webhooks: Record<string, unknown> = {};
  for (const f of feeds) {
    data[f.key] = await get(`/feeds/${f.key}/data`);
    webhooks[f.key] = await get(`/feeds/${f.key}/webhooks`);
  }
  const blocks: Record<string, unknown> = {};
  for (const d of dashboards) blocks[d.key] = await get(`/dashboards/${d.key}/blocks`);
  return {
    feeds,
    groups: await get('/groups'),
    dashboards,
    blocks,
    data,
    webhooks,
    activities: await get('/activities'),
    tokens: await get('/tokens'),
  };
}

/** Feeds `temp` (history on) and `big` (history off), group `g`, dashboard `d`, a data and a raw receiver on `temp`. */
export async function seed(t: TestApp) {
  expect((await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'temp' } })).status).toBe(201);
  expect((await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'big', history: false } })).status).toBe(201);
  expect((await t.req('POST', '/api/v2/alice/groups', { body: { name: 'g' } })).status).toBe(201);
  expect((await t.req('POST', '/api/v2/alice/dashboards', { body: { name: 'd' } })).status).toBe(201);
  expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 'first' } })).status).toBe(200);
  const receiver = async (kind: string) => {
    const res = await t.req('POST', '/api/v2/alice/feeds/temp/webhooks', { body: { kind } });
    expect(res.status).toBe(200);
    return new URL(res.json.url as string).pathname;
  };
  return { hook: await receiver('data'), raw: await receiver('raw') };
}
