/**
 * Keys never reach a log line: `?x-aio-key=secret` (any casing) becomes `?x-aio-key=[redacted]`, and
 * so does the token of a webhook receiver URL (`/webhooks/feed/[redacted]/raw`).
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&]x-aio-key=)[^&#]*/gi, '$1[redacted]').replace(/(\/webhooks\/feed\/)[^/?#]+/gi, '$1[redacted]');
}
