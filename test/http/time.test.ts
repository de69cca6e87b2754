import { describe, expect } from 'vitest';
import { appTestWith } from '../helpers.js';

// Sunday 2024-03-10 06:59:59.250 UTC: one second before New York springs forward.
const it = appTestWith({ fakeClock: Date.parse('2024-03-10T06:59:59.250Z') });

describe('time service', () => {
  it('struct.json answers the Python and CircuitPython shape, in UTC by default', async ({ t }) => {
    const res = await t.req('GET', '/api/v2/alice/integrations/time/struct.json?tz=UTC');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ year: 2024, mon: 3, mday: 10, hour: 6, min: 59, sec: 59, wday: 0, yday: 70, isdst: 0 });
    expect((await t.req('GET', '/api/v2/alice/integrations/time/struct')).json.hour).toBe(6);
  });

  it('struct.json in a zone, across a DST change', async ({ t, clock }) => {
    expect((await t.req('GET', '/api/v2/alice/integrations/time/struct?tz=America/New_York')).json).toMatchObject({
      mday: 10,
      hour: 1,
      min: 59,
      isdst: 0,
    });
    clock.advance(1000);
    expect((await t.req('GET', '/api/v2/alice/integrations/time/struct?tz=America/New_York')).json).toMatchObject({
      hour: 3,
      min: 0,
      sec: 0,
      isdst: 1,
    });
  });

  it('strftime is plain text with the PortalBase format by default', async ({ t }) => {
    const res = await t.req('GET', `/api/v2/alice/integrations/time/strftime?x-aio-key=${t.alice.key}&tz=Europe/Berlin`, { key: null });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('2024-03-10 07:59:59.250 070 7 +0100 GMT+1');
    expect((await t.req('GET', '/api/v2/alice/integrations/time/strftime?fmt=%25s%20%25z')).text).toBe('1710053999 +0000');
  });

  it('seconds, millis and ISO-8601 are plain text', async ({ t }) => {
    expect((await t.req('GET', '/api/v2/alice/integrations/time/seconds')).text).toBe('1710053999');
    expect((await t.req('GET', '/api/v2/alice/integrations/time/millis')).text).toBe('1710053999250');
    expect((await t.req('GET', '/api/v2/alice/integrations/time/ISO-8601')).text).toBe('2024-03-10T06:59:59.250Z');
  });

  it('an unknown zone is a 422 JSON error', async ({ t }) => {
    const res = await t.req('GET', '/api/v2/alice/integrations/time/struct?tz=Mars/Olympus');
    expect(res.status).toBe(422);
    expect(res.json.error).toContain('Mars/Olympus');
  });

  it('needs the key of the account in the path', async ({ t }) => {
    expect((await t.req('GET', '/api/v2/alice/integrations/time/struct', { key: null })).status).toBe(401);
    expect((await t.req('GET', '/api/v2/alice/integrations/time/struct', { as: t.bob })).status).toBe(403);
    expect((await t.req('GET', '/api/v2/alice/integrations/time/nothing')).status).toBe(404);
  });
});
