// Group commit over HTTP: data posts that arrive in the same turn share one transaction, and each
// answer goes out only after it; a refused post gets its own error and costs the others nothing.
import { describe, expect } from 'vitest';
import { appTest as it } from '../helpers.js';

describe('data posts in one turn', () => {
  it('are all stored with their own records; a refused one gets its own error', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 'first' } });
    const values = Array.from({ length: 20 }, (_, i) => (i === 5 ? 'x'.repeat(2000) : String(i)));
    const answers = await Promise.all(values.map((value) => t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value } })));
    expect(answers.map((a) => a.status)).toEqual(values.map((_, i) => (i === 5 ? 422 : 200)));
    expect(answers[5]!.json.error).toMatch(/too long/);
    const ok = answers.filter((a) => a.status === 200);
    expect(new Set(ok.map((a) => a.json.id)).size).toBe(19);
    expect(ok.map((a) => a.json.value)).toEqual(values.filter((_, i) => i !== 5));
    const list = await t.req('GET', '/api/v2/alice/feeds/temp/data');
    expect(list.json).toHaveLength(20);
    expect(list.headers['x-pagination-total']).toBe('20');
  });
});
