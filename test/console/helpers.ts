import type { InjectOptions } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../helpers.js';

/** What a page of the console itself sends with every call. */
export const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin', 'x-aio-console': '1' } as const;

export interface ConsoleRes {
  status: number;
  json: any;
  text: string;
  headers: Record<string, unknown>;
}

/** A request as the console page makes it: the cookie, same origin, `X-Aio-Console: 1` (each can be overridden). */
export async function consoleReq(
  t: TestApp,
  method: InjectOptions['method'],
  url: string,
  opts: { cookie?: string | null; headers?: Record<string, string | undefined>; body?: unknown } = {},
): Promise<ConsoleRes> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...SAME_ORIGIN, ...(opts.headers ?? {}) })) if (v !== undefined) headers[k] = v;
  if (opts.cookie) headers.cookie = opts.cookie;
  let payload: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(opts.body);
  }
  const res = await t.app.inject({ method, url, headers, payload });
  let json: unknown;
  try {
    json = res.body === '' ? undefined : JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json, text: res.body, headers: res.headers };
}

/** Signs in (alice's key by default) and returns the `name=value` cookie to send back. */
export async function signIn(t: TestApp, body: unknown = { username: 'alice', key: t.alice.key }): Promise<string> {
  const res = await consoleReq(t, 'POST', '/console/session', { body });
  expect(res.status, res.text).toBe(201);
  const set = String(res.headers['set-cookie']);
  return set.split(';')[0]!;
}
