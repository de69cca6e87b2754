import type { FastifyReply, FastifyRequest } from 'fastify';

/** Not `__Host-`: that prefix demands Secure, and most local servers are plain HTTP. */
export const COOKIE_NAME = 'aio_console';

/** The session secret from the request's cookie, if any. */
export function sessionSecret(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === COOKIE_NAME) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** HttpOnly (no script reads it back), SameSite=Strict, Secure when the request came over TLS. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, secret: string): void {
  reply.header('set-cookie', `${COOKIE_NAME}=${secret}; Path=/; HttpOnly; SameSite=Strict${secure(req)}`);
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure(req)}`);
}

function secure(req: FastifyRequest): string {
  return req.protocol === 'https' ? '; Secure' : '';
}

/**
 * Whether the browser says the request comes from a page of this very origin. SameSite=Strict keeps
 * the cookie from other sites, but another port of the same host is the same site: Sec-Fetch-Site
 * (or, from a browser without it, Origin) tells them apart. A request that says neither is refused.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  return typeof origin === 'string' && origin === `${req.protocol}://${req.headers.host}`;
}

/** A console call: same origin and the console's own header, which no cross-origin page may send without a preflight we never grant. */
export function consoleCall(req: FastifyRequest): boolean {
  return req.headers['x-aio-console'] === '1' && sameOrigin(req);
}
