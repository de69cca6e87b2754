import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect } from 'vitest';
import { ASSETS_DIR, VENDOR_FILES } from '../../src/console/assets-dir.js';
import { appTest as it } from '../helpers.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** `/api/v2/:username/feeds/:feedKey` and `/api/v2/{username}/feeds/{feed_key}` → `/api/v2/{}/feeds/{}`. */
function shape(path: string): string {
  return path
    .replace(/\.json$/, '')
    .replace(/\{[^}]+\}/g, '{}')
    .replace(/:[^/]+/g, '{}');
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [`/${relative(ASSETS_DIR, join(dir, e.name))}`],
  );
}

/** Routes that are not API operations: the console's static files, the browser modules, the CORS preflight for every path. */
const NOT_API = new Set([
  ...files(ASSETS_DIR).map((f) => `GET ${f}`),
  ...Object.keys(VENDOR_FILES).map((f) => `GET /vendor/${f}`),
  'OPTIONS /*',
]);

describe('GET /api/docs/v2.json', () => {
  it('serves a Swagger 2.0 document without a key, and keeps the hosted operations', async ({ t }) => {
    const res = await t.req('GET', '/api/docs/v2.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json.swagger).toBe('2.0');
    expect(res.json.basePath).toBe('/');
    expect(res.json.paths['/api/v2/{username}/feeds/{feed_key}/data/last'].get.operationId).toBe('lastData');
    expect(res.json.paths['/console/session'].post.tags).toEqual(['Console']);
    // One operationId per operation.
    const ids = Object.values<any>(res.json.paths).flatMap((item) =>
      METHODS.filter((m) => item[m])
        .map((m) => item[m].operationId)
        .filter(Boolean),
    );
    expect(new Set(ids).size).toBe(ids.length);
    // Every $ref resolves.
    const refs = [...JSON.stringify(res.json).matchAll(/"\$ref":"#\/(parameters|definitions)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(50);
    for (const [, kind, name] of refs) expect(res.json[kind!][name!], `${kind}/${name}`).toBeTruthy();
  });

  it('documents every route Fastify has registered, and registers every route it documents', async ({ t }) => {
    const doc = (await t.req('GET', '/api/docs/v2.json', { key: null })).json;
    const documented = new Set<string>();
    for (const [p, item] of Object.entries<any>(doc.paths)) {
      for (const m of METHODS) if (item[m]) documented.add(`${m.toUpperCase()} ${shape(p)}`);
    }
    const registered = new Set<string>();
    for (const r of t.app.registeredRoutes) {
      // Fastify adds a HEAD twin to each GET route.
      if (r.method === 'HEAD' || NOT_API.has(`${r.method} ${r.url}`)) continue;
      registered.add(`${r.method} ${shape(r.url)}`);
    }
    expect([...registered].filter((r) => !documented.has(r)).sort(), 'registered but not documented').toEqual([]);
    expect([...documented].filter((d) => !registered.has(d)).sort(), 'documented but not registered').toEqual([]);
    expect(registered.size).toBeGreaterThan(100);
  });

  it('is a JSON 404 under a wrong version, like any unknown path', async ({ t }) => {
    const res = await t.req('GET', '/api/docs/v3.json', { key: null });
    expect(res.status).toBe(404);
    expect(res.json.error).toContain('not found');
  });
});
