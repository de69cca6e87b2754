import type { ControlOptions } from '../core/control.js';
import type { Core } from '../core/core.js';
import { AioError } from '../core/errors.js';

/** What every route plugin of src/control/routes is registered with. */
export interface ControlRouteOptions {
  core: Core;
  control: ControlOptions;
}

/** The JSON body as an object, or a 400 naming what was wrong. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new AioError(400, 'bad request - the body must be a JSON object');
  return body as Record<string, unknown>;
}
