import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ASSETS_DIR } from '../assets-dir.js';
import { ADDITIONS, ALIASES, GROUP_FEED_DATA } from './additions.js';

type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
const ACL_TYPES: Array<[string, string, string]> = [
  ['feeds', 'feed_key', 'a feed key'],
  ['groups', 'group_key', 'a group key'],
  ['dashboards', 'dashboard_id', 'a dashboard key or id'],
];

const clone = <T>(x: T): T => structuredClone(x);

/**
 * The OpenAPI document of this server: the hosted service's file (base.json, Swagger 2.0 with
 * basePath /api/v2) moved to full paths (`/api/v2/...`, `{param}` everywhere), its generic sharing
 * path `/{type}/{type_id}/acl` spelt out per type as this server routes it, and ADDITIONS merged in.
 */
export function buildOpenApi(): Json {
  const base = JSON.parse(readFileSync(resolve(ASSETS_DIR, '../openapi/base.json'), 'utf8')) as Json;
  const paths: Json = {};
  for (const [p, item] of Object.entries<Json>(base.paths)) {
    const full = `${p.startsWith('/api/v2/') ? '' : '/api/v2'}${p.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
    if (full.includes('/{type}/{type_id}/acl')) {
      for (const [type, param, description] of ACL_TYPES) {
        const copy = clone(item);
        for (const m of METHODS) {
          if (!copy[m]) continue;
          copy[m].parameters = (copy[m].parameters ?? [])
            .filter((x: Json) => x.$ref !== '#/parameters/PermTypePath')
            .map((x: Json) =>
              x.$ref === '#/parameters/PermTypeIDPath' ? { name: param, in: 'path', required: true, type: 'string', description } : x,
            );
          if (copy[m].operationId) copy[m].operationId += `_${type}`;
        }
        paths[full.replace('/{type}/{type_id}/', `/${type}/{${param}}/`)] = copy;
      }
      continue;
    }
    paths[full] = item;
  }
  for (const [p, item] of Object.entries(ADDITIONS.paths)) paths[p] = { ...(paths[p] ?? {}), ...clone(item) };
  for (const [alias, target] of Object.entries(ALIASES)) paths[alias] = renamed(paths[target], 'alias');
  const groupParam = { $ref: '#/parameters/GroupPath' };
  for (const suffix of GROUP_FEED_DATA) {
    const feedPath = `/api/v2/{username}/feeds/{feed_key}/data${suffix}`;
    const groupPath = `/api/v2/{username}/groups/{group_key}/feeds/{feed_key}/data${suffix}`;
    if (paths[groupPath] || !paths[feedPath]) continue;
    const copy = renamed(paths[feedPath], 'group');
    for (const m of METHODS) {
      if (!copy[m]) continue;
      copy[m].parameters = [copy[m].parameters?.[0], groupParam, ...(copy[m].parameters?.slice(1) ?? [])].filter(Boolean);
      copy[m].description = `${copy[m].description ?? ''}\n\nThe feed addressed inside one of its groups.`.trim();
    }
    paths[groupPath] = copy;
  }
  const sorted: Json = {};
  for (const p of Object.keys(paths).sort()) if (Object.keys(paths[p]).length > 0) sorted[p] = paths[p];
  const { host: _host, basePath: _basePath, ...rest } = base;
  return {
    ...rest,
    info: {
      ...base.info,
      title: 'aio-local API',
      description: `A self-hosted server speaking the Adafruit IO HTTP API v2. This document is the hosted service's, extended with every route this server adds.\n\n${base.info?.description ?? ''}`,
    },
    basePath: '/',
    schemes: ['http', 'https'],
    tags: ADDITIONS.tags,
    paths: sorted,
    definitions: { ...base.definitions, ...ADDITIONS.definitions },
  };
}

/** A copy of a path item whose operationIds get a suffix (they must stay unique). */
function renamed(item: Json, suffix: string): Json {
  const copy = clone(item);
  for (const m of METHODS) if (copy[m]?.operationId) copy[m].operationId += `_${suffix}`;
  return copy;
}
