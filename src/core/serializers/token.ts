import { tokenExpired } from '../tokens.js';
import type { TokenRow } from '../types.js';
import { isoSeconds } from '../values.js';

/**
 * The token record (compat-notes 2.1). `key` is the secret on the creation answer only, null after;
 * so is `qr_code`, the key as a QR image: only a hash of the secret is kept, so neither can be shown
 * again (see tokenCreatedJson). `now` (ms) tells whether it has expired.
 */
export function tokenJson(token: TokenRow, now: number, secret?: string) {
  return {
    id: token.id,
    key: secret ?? null,
    master: false,
    createable: token.createable,
    readable: token.readable,
    updateable: token.updateable,
    deleteable: token.deleteable,
    expiration: token.expiration === null ? null : isoSeconds(token.expiration),
    user_id: token.userId,
    feed_id: token.feedId,
    created_at: isoSeconds(token.createdAt),
    updated_at: isoSeconds(token.updatedAt),
    qr_code: null as string | null,
    status: tokenExpired(token, now) ? 'expired' : 'active',
  };
}

/**
 * The creation answer: the record with its secret and, as the hosted service sends, the secret as a
 * PNG QR code data URL (`data:image/png;base64,...`), for a phone to scan. About 8 ms, most of it in
 * the PNG encoder's asynchronous zlib stream, so the event loop is not held up.
 */
export async function tokenCreatedJson(token: TokenRow, secret: string, now: number) {
  return { ...tokenJson(token, now, secret), qr_code: await (await qrcode()).toDataURL(secret, { type: 'image/png' }) };
}

/** `qrcode` is loaded by the first token made, not at start (about a tenth of the server's import time). */
let qrcodeModule: Promise<typeof import('qrcode')> | undefined;
function qrcode(): Promise<typeof import('qrcode')> {
  qrcodeModule ??= import('qrcode').then((m) => (m as { default?: typeof import('qrcode') }).default ?? m);
  return qrcodeModule;
}
