import type { FastifyInstance } from 'fastify';
import type { ClockState } from '../../core/control-clock.js';
import { AioError } from '../../core/errors.js';
import { bodyObject, type ControlRouteOptions } from '../route-options.js';

function clockJson(s: ClockState) {
  return { now: new Date(s.now).toISOString(), mode: s.mode, offset_ms: s.offsetMs };
}

function whole(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new AioError(400, `bad request - ${field} must be a whole number`);
  return v;
}

function instant(v: unknown): number {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) throw new AioError(400, 'bad request - at must be an ISO 8601 time (or milliseconds since the epoch)');
  return Math.trunc(ms);
}

export async function clockRoutes(app: FastifyInstance, { control }: ControlRouteOptions) {
  const clock = control.clock;
  app.get('/_aio/clock', async () => clockJson(clock.state()));

  app.put('/_aio/clock', async (req) => {
    const body = bodyObject(req.body);
    switch (body.mode) {
      case 'frozen':
        return clockJson(clock.freeze(body.at === undefined ? clock.now() : instant(body.at)));
      case 'offset':
        return clockJson(clock.offset(whole(body.offset_ms, 'offset_ms')));
      case 'system':
        return clockJson(clock.system());
      default:
        throw new AioError(400, 'bad request - mode must be "frozen" (with at) or "offset" (with offset_ms) or "system"');
    }
  });

  app.post('/_aio/clock/advance', async (req) => {
    const ms = whole(bodyObject(req.body).ms, 'ms');
    if (ms < 0) throw new AioError(400, 'bad request - ms must be 0 or more (time does not run backwards; PUT /_aio/clock sets it)');
    return clockJson(clock.advance(ms));
  });

  app.delete('/_aio/clock', async () => clockJson(clock.system()));
}
