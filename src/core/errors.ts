/** The one error type of the domain: the doors turn it into a status and `{"error": message}`. */
export class AioError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AioError';
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
