import { storageFault } from '../db/transactions.js';

/** What went wrong, for the doors to act on (an HTTP status, an MQTT refusal, a throttle notice). */
export type AioErrorKind =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unsupported-media-type'
  | 'invalid'
  | 'throttled'
  | 'internal'
  | 'unavailable'
  | 'insufficient-storage';

const KINDS: Record<number, AioErrorKind> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'too-large',
  415: 'unsupported-media-type',
  422: 'invalid',
  429: 'throttled',
  500: 'internal',
  503: 'unavailable',
  507: 'insufficient-storage',
};

/** The one error type of the domain: the doors turn it into a status and `{"error": message}`. */
export class AioError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds a client should wait before trying again (503, 429): sent as Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'AioError';
  }

  get kind(): AioErrorKind {
    return KINDS[this.status] ?? (this.status >= 500 ? 'internal' : 'bad-request');
  }

  /** The storage could not take the write (busy, full, failing): nothing was stored, it may be sent again. */
  get notStored(): boolean {
    return this.kind === 'unavailable' || this.kind === 'insufficient-storage';
  }
}

export const NOT_FOUND_TEXT = 'not found - API documentation can be found at https://io.adafruit.com/api/docs';
export const INVALID_URL_TEXT =
  'not found - that is an invalid URL, please check the API documentation at https://io.adafruit.com/api/docs to make sure your URL is correct';
export const INVALID_KEY_TEXT = 'request failed - invalid API key provided';

export const notFound = (message = NOT_FOUND_TEXT) => new AioError(404, message);
export const invalid = (message: string) => new AioError(422, message);
export const badRequest = (message: string) => new AioError(400, message);
export const unauthorized = (message = INVALID_KEY_TEXT) => new AioError(401, message);
export const forbidden = (message: string) => new AioError(403, message);

export function feedNotFound(ident: string, username: string): AioError {
  return notFound(
    `not found - You are not permitted to access the feed with key '${ident}' belonging to ${username} or the feed does not exist.`,
  );
}

export function groupNotFound(ident: string, username: string): AioError {
  return notFound(
    `not found - You are not permitted to access the group with key '${ident}' belonging to ${username} or the group does not exist.`,
  );
}

/**
 * A write the storage could not take: 503 while another process holds the database (or on an I/O
 * fault), 507 when the disk is full. Nothing of the write was stored; the client may send it again.
 */
export function storageError(fault: 'busy' | 'full' | 'unavailable'): AioError {
  if (fault === 'full') {
    return new AioError(507, 'insufficient storage - the server disk is full; nothing was stored, try again later', 30);
  }
  if (fault === 'busy') {
    return new AioError(503, 'service unavailable - the database is busy; nothing was stored, try again', 1);
  }
  return new AioError(503, 'service unavailable - the database could not be written; nothing was stored, try again later', 5);
}

/** The 503/507 for an error the storage raised (the doors never see SQLite's codes), or undefined. */
export function storageRefusal(err: unknown): AioError | undefined {
  const fault = storageFault(err);
  return fault === null ? undefined : storageError(fault);
}

/** Another connection held the write lock: nothing of the failed write was stored, it may be tried again. */
export function isBusy(err: unknown): boolean {
  return storageFault(err) === 'busy';
}
