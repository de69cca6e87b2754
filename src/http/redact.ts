/** Keys never reach a log line: `?x-aio-key=secret` (any casing) becomes `?x-aio-key=[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]x-aio-key=)[^&#]*/gi, '$1[redacted]');
}
