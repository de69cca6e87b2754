import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenCreatedJson, tokenJson } from '../../../src/core/serializers/token.js';
import type { TokenRow } from '../../../src/core/types.js';
import { FakeClock, makeCore, type TestCore } from '../../helpers.js';

let t: TestCore;
let token: TokenRow;
const HOUR = 3_600_000;

beforeEach(() => {
  const clock = new FakeClock();
  t = makeCore({ clock: clock.now });
  token = t.core.tokens.create(t.alice.user, { expiration: '2026-01-15T14:00:00Z' }).token;
});
afterEach(() => t.close());

describe('tokenJson (pure: row and now in, record out)', () => {
  it('is active before its expiration and expired from that instant, by the now given', () => {
    const at = token.expiration!;
    expect(tokenJson(token, at - 1)).toMatchObject({ status: 'active', expiration: '2026-01-15T14:00:00Z', key: null, qr_code: null });
    expect(tokenJson(token, at).status).toBe('expired');
    // The core's clock still reads 12:00: only the argument counts.
    expect(tokenJson(token, at + HOUR).status).toBe('expired');
  });

  it('the creation answer adds the secret and its QR code as a PNG data URL', async () => {
    const json = await tokenCreatedJson(token, 'aio_secret', token.createdAt);
    expect(json).toMatchObject({ id: token.id, key: 'aio_secret', status: 'active' });
    expect(json.qr_code).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    expect(Object.keys(json)).toEqual(Object.keys(tokenJson(token, 0)));
  });
});
