// The schema compilers Fastify gets from src/http/lazy-schema.ts are loaded on first use: a route that
// declares schemas still has its body validated and its answer serialized by them.
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { lazySchemaCompilers } from '../../src/http/lazy-schema.js';

describe('lazy schema compilers', () => {
  const app = Fastify({ schemaController: lazySchemaCompilers });
  afterEach(() => app.close());

  it('validate a body and serialize an answer when a route declares schemas', async () => {
    app.post(
      '/echo',
      {
        schema: {
          body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
        },
      },
      async (req) => ({ n: (req.body as { n: number }).n, secret: 'not in the schema' }),
    );
    const ok = await app.inject({ method: 'POST', url: '/echo', payload: { n: 3 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ n: 3 });
    const bad = await app.inject({ method: 'POST', url: '/echo', payload: { n: 'three' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('body/n must be integer');
  });
});
