/**
 * Credentials never reach a log line. A query parameter is redacted when its name, decoded as the
 * query parser decodes it (`+`, `%2D`...) and reduced to lowercase letters and digits, mentions a key,
 * token, auth, secret or password: `?x-aio-key=`, `?X%2DAIO%2DKey=`, `?feed_key=` alike (a superset of
 * what authenticates, see auth.ts requestKey). So is the token of a webhook receiver URL
 * (`/webhooks/feed/[redacted]/raw`), however its path is escaped. Headers are never logged.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return redactPath(url);
  return `${redactPath(url.slice(0, q))}?${url
    .slice(q + 1)
    .split('&')
    .map(redactPair)
    .join('&')}`;
}

const SECRET_NAME = /key|token|auth|secret|pass/;

function redactPair(pair: string): string {
  const eq = pair.indexOf('=');
  if (eq === -1) return pair;
  const name = pair.slice(0, eq);
  return SECRET_NAME.test(
    looseDecode(name)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, ''),
  )
    ? `${name}=[redacted]`
    : pair;
}

function redactPath(path: string): string {
  const segments = path.split('/');
  const named = segments.flatMap((s, i) => (s === '' ? [] : [i]));
  for (let n = 0; n + 2 < named.length; n++) {
    if (looseDecode(segments[named[n]!]!).toLowerCase() === 'webhooks' && looseDecode(segments[named[n + 1]!]!).toLowerCase() === 'feed') {
      segments[named[n + 2]!] = '[redacted]';
    }
  }
  return segments.join('/');
}

/** Decodes what can be decoded: a malformed escape elsewhere must not hide a name. */
function looseDecode(s: string): string {
  const plain = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plain);
  } catch {
    return plain.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}
