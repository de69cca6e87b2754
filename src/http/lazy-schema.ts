import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Factory = (...args: unknown[]) => unknown;
type Compilers = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

const load = createRequire(import.meta.url);

/**
 * Fastify's schemaController option with its own two compilers (Ajv, fast-json-stringify) loaded on
 * first use: by default a Fastify instance loads both when it is made, about 500 KB of code read and run
 * at every start (~25 ms of it, and their objects in memory), while no route here declares a schema.
 * One difference from the default, should a route ever declare a `headers` schema: Fastify treats
 * these as custom compilers and passes that schema as given (it lower-cases its keys otherwise).
 */
export const lazySchemaCompilers: FastifyServerOptions['schemaController'] = {
  compilersFactory: {
    buildValidator: lazy('@fastify/ajv-compiler') as Compilers['buildValidator'],
    buildSerializer: lazy('@fastify/fast-json-stringify-compiler') as Compilers['buildSerializer'],
  },
};

function lazy(name: string): Factory {
  let factory: Factory | undefined;
  return (...args) => {
    factory ??= (load(name) as () => Factory)();
    return factory(...args);
  };
}
