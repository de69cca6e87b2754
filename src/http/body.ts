import type { FastifyRequest } from 'fastify';
import type { Fields } from '../core/feeds.js';

function isPlainObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/**
 * The request's fields, Rails `wrap_parameters` style: `{"feed": {...}}` and `{...}` mean the same.
 */
export function bodyFields(req: FastifyRequest, wrapper?: string): Fields {
  const body = req.body;
  let fields: Fields = {};
  if (isPlainObject(body)) {
    const inner = wrapper ? body[wrapper] : undefined;
    fields = isPlainObject(inner) ? inner : body;
  }
  return fields;
}

export function queryFields(req: FastifyRequest): Record<string, string | undefined> {
  const q = req.query as Record<string, unknown> | undefined;
  const out: Record<string, string | undefined> = {};
  if (!q) return out;
  for (const [k, v] of Object.entries(q)) out[k] = Array.isArray(v) ? String(v[v.length - 1]) : v === undefined ? undefined : String(v);
  return out;
}
